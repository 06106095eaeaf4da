from odoo.tools import SQL


def insert_rows(model, vals_list, returning=()):
    """Insert these rows of ``model`` (a recordset of the model) in ONE
    statement, one array per column; return nothing, or the rows of the
    columns named in ``returning``.

    For a log the daily jobs write by the tens of thousands on their first
    run (the phase history rebuilt for every customer): ``create()`` costs
    a ``default_get`` and a record per row. Only for models whose rows the
    caller gives whole: every column with a value in each row (the keys of
    the first row; a missing key is NULL), no stored computed field left to
    compute, no override of ``create()`` to run. The model's cache is
    invalidated, since the ORM did not see the rows.
    """
    if not vals_list:
        return [] if returning else None
    names = sorted(vals_list[0])
    fields_ = model._fields

    def column(name):
        field = fields_[name]
        values = [vals.get(name, False) for vals in vals_list]
        if field.type != "boolean":
            values = [None if value is False else value for value in values]
        return SQL("%s::%s[]", values, SQL(field.column_type[1]))

    env = model.env
    env.cr.execute(
        SQL(
            """
            INSERT INTO %(table)s
                   (%(names)s, create_uid, create_date, write_uid, write_date)
            SELECT *, %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM unnest(%(arrays)s)
            %(returning)s
            """,
            table=SQL.identifier(model._table),
            names=SQL(", ").join(SQL.identifier(name) for name in names),
            arrays=SQL(", ").join(column(name) for name in names),
            uid=env.uid,
            now=env.cr.now(),
            returning=SQL(
                "RETURNING %s",
                SQL(", ").join(SQL.identifier(name) for name in returning),
            )
            if returning
            else SQL(),
        )
    )
    rows = env.cr.fetchall() if returning else None
    model.invalidate_model()
    return rows
