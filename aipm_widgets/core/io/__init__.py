"""Reading a team's files: tables (CSV/Parquet) with clear errors, the workbook's paths, evidently reports."""
