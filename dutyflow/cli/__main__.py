"""`python -m dutyflow.cli`."""

from dutyflow.cli import main

main()
