"""Arrow, the data model every layer passes around: input conversion, Spark SQL type text,
and the rule for data fitting a table's schema. Not an adapter: no storage or engine here."""
