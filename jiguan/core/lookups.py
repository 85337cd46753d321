"""``field__under=prefix``: "this org path is at or below that one", as an index-friendly query.

On PostgreSQL it is ``LIKE 'prefix%'``, served by the ``varchar_pattern_ops`` index Django adds
to indexed CharFields. SQLite's LIKE is case-insensitive and so skips indexes; there the same
condition is a range over the BINARY-collated column: ``prefix <= path < prefix || '~'`` (paths use
only digits, '/' and 'd', all below '~').
"""

from django.db.models import CharField, Lookup

PATH_CEILING = "~"


@CharField.register_lookup
class Under(Lookup):
    lookup_name = "under"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        prefix = str(self.rhs)
        if connection.vendor == "postgresql":
            escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            return f"{lhs} LIKE %s", [*lhs_params, escaped + "%"]
        return f"({lhs} >= %s AND {lhs} < %s)", [*lhs_params, prefix, *lhs_params, prefix + PATH_CEILING]
