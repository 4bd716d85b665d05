"""The one-row query the view tests assert on."""


def one(con, sql, *params):
    return con.execute(sql, list(params)).fetchone()
