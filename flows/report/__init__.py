"""Dated, self-contained scenario reports: charts (matplotlib → inline SVG), Jinja2 templates, atomic publishing.

`render.write_scenario_report` writes one scenario's folder (index.html, report.md, results.json, chart files);
`publish.publish_day` swaps a day's staged folder into `reports/YYYY-MM-DD/` and `publish.write_index` lists
every dated report in `reports/index.html`. Nothing here reads the warehouse: `flows/pipeline/run.py` passes frames in.
"""
