"""Scoring on Spark: for a universe that outgrows one machine.

The scorecard runs as the Spark SQL that ``icpkit sql --dialect spark`` prints, so Spark
computes it in the JVM on every executor, with no Python on the workers; the same code runs on
``local[2]`` in the tests and on a cluster. The result has the columns of ``icpkit score``.

>>> from pyspark.sql import SparkSession                      # doctest: +SKIP
>>> spark = SparkSession.builder.getOrCreate()                # doctest: +SKIP
>>> card = load_scorecard("scorecard.toml")                   # doctest: +SKIP
>>> scored = score_parquet(spark, card, "s3://bucket/universe/")  # doctest: +SKIP
>>> scored.write.parquet("s3://bucket/universe-scored/")      # doctest: +SKIP

Before the SQL runs, columns are brought to the types it reads (as ``icpkit score`` does in
Python): a list stored as an array becomes ``;``-joined text, a number stored as text is read
with thousands separators removed (unreadable text becomes missing). A column the card reads
but the data lacks is derived from the raw columns it has (``region`` from ``country``, see
:mod:`icpkit.inputs`) or else scored as unknown, by the SQL itself. PySpark is imported only
when used.
"""

from __future__ import annotations

import uuid
import warnings
from typing import TYPE_CHECKING

from icpkit import inputs
from icpkit.errors import IcpkitError
from icpkit.scorecard.model import Scorecard
from icpkit.sql import to_sql
from icpkit.sql.reading import LIST_SEPARATOR

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


def score_parquet(
    spark: SparkSession, card: Scorecard, path: str, *, id_column: str = "account_id"
) -> DataFrame:
    """Score the Parquet file or folder at ``path`` (any URI Spark reads)."""
    return score_dataframe(spark, card, spark.read.parquet(path), id_column=id_column)


def score_dataframe(
    spark: SparkSession, card: Scorecard, frame: DataFrame, *, id_column: str = "account_id"
) -> DataFrame:
    """Score every row of a Spark DataFrame; returns ``id_column`` and the four icp_ columns."""
    if id_column not in frame.columns:
        raise IcpkitError(f"no column {id_column!r} to use as the id")
    wanted = inputs.raw_columns(card.columns)
    present = [c for c in wanted if c in frame.columns]
    if not present:
        raise IcpkitError(
            "none of the columns the scorecard reads are here (it reads "
            + ", ".join(card.columns)
            + ")"
        )
    missing = [
        c
        for c in card.columns
        if not any(r in frame.columns for r in inputs.derivation(c, "").reads)
    ]
    if missing:  # the rule of `icpkit score`: score them as unknown, and say so
        warnings.warn(
            "not in the data, scored as unknown: " + ", ".join(missing), UserWarning, stacklevel=2
        )
    frame = _typed_for_sql(card, frame)
    view = f"icpkit_score_{uuid.uuid4().hex}"
    frame.createOrReplaceTempView(view)
    sql = to_sql(card, view, "spark", id_column=id_column, pretty=False, columns=frame.columns)
    return spark.sql(sql)


def _typed_for_sql(card: Scorecard, frame: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    kinds = dict(card.column_kinds())
    for column in inputs.raw_columns(card.columns):
        kinds.setdefault(column, "category")  # read to derive another (country for region)
    for column, kind in kinds.items():
        if column not in frame.columns:
            continue  # the SQL reads it as unknown, or derives it (region from country)
        spark_type = frame.schema[column].dataType
        if kind == "list" and isinstance(spark_type, T.ArrayType):
            text = _column(column).cast(T.ArrayType(T.StringType()))
            frame = frame.withColumn(column, F.concat_ws(LIST_SEPARATOR, text))
        elif kind == "numeric" and isinstance(spark_type, (T.StringType, T.NullType)):
            # Python reads "1,200" and " 35 " as numbers and anything else as missing.
            text = F.trim(F.regexp_replace(_column(column).cast("string"), ",", ""))
            frame = frame.withColumn(column, text.try_cast(T.DoubleType()))
        elif isinstance(spark_type, T.NullType):
            frame = frame.withColumn(column, _column(column).cast(T.StringType()))
    return frame


def _column(name: str):
    """A column by its exact name, whatever characters it holds (dots, spaces, backticks)."""
    from pyspark.sql import functions as F

    return F.col("`" + name.replace("`", "``") + "`")
