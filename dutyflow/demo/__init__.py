"""The demo: the plan year played by simulated units on a simulated clock, through the real flows,
the real portal and a local mail sink (docs/decisions.md, 41).

- `units`: what each simulated unit does and when (on time, late, a broken figure, never);
- `clock`: the simulated clock the portal and the runs act at;
- `plan`: the short plan of `--quick` and the span of days the demo plays;
- `actions`: the units' actions through the portal's HTTP interface and the office's mailbox;
- `year`: the driver's pure parts, the days one after another, and the summary;
- `session`: the stage the year is played on (mail sink, mailbox, store, portal), set up and torn down.

The Prefect side is in `flows/`: the flow `demo-year` (`demo_year.py`) and Prefect's settings
(`simulate.py`).
"""
