"""The district report: store → ReportInput (collect) → ReportContext (data) → DOCX, PDF, HTML, charts.

`build.build_report` runs the whole chain; every other module does one step.
"""
