"""Stage 5, post-launch monitoring: data drift, concept drift, performance decay, retraining triggers.

The engines (:mod:`.engines`) aggregate production logs beyond one machine's memory (DuckDB, Spark); they also
bin stage 4's threshold curve for a source of any size (:mod:`.engines.threshold_curve`).
"""
