using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Comb.Storage;

/// <summary>
/// Many rows through one prepared SQLite statement, bound by position on the connection's own handle (so inside
/// its open transaction). Microsoft.Data.Sqlite binds every parameter by name on every execution (a UTF-8 copy of
/// the name and a lookup each); a fleet's re-check writes tens of thousands of rows, where that was most of the cost.
/// </summary>
internal static class SqliteRows
{
    /// <summary>Runs <paramref name="text"/> (with ?1..?N placeholders) once per row; returns the first column of any rows it yields.</summary>
    public static List<string> Insert(SqliteConnection connection, string text, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken)
    {
        var db = connection.Handle ?? throw new InvalidOperationException("the SQLite connection is not open");
        var returned = new List<string>();
        Check(db, raw.sqlite3_prepare_v2(db, text, out var statement));
        using (statement)
        {
            foreach (var row in rows)
            {
                cancellationToken.ThrowIfCancellationRequested();
                for (var c = 0; c < row.Length; c++)
                {
                    Check(db, Bind(statement, c + 1, row[c]));
                }

                int rc;
                while ((rc = raw.sqlite3_step(statement)) == raw.SQLITE_ROW)
                {
                    returned.Add(raw.sqlite3_column_text(statement, 0).utf8_to_string());
                }

                if (rc != raw.SQLITE_DONE)
                {
                    raw.sqlite3_reset(statement);
                    Check(db, rc);
                }

                Check(db, raw.sqlite3_reset(statement));
            }
        }

        return returned;
    }

    private static int Bind(sqlite3_stmt statement, int index, object? value) => value switch
    {
        null or DBNull => raw.sqlite3_bind_null(statement, index),
        string s => raw.sqlite3_bind_text(statement, index, s),
        int i => raw.sqlite3_bind_int64(statement, index, i),
        long l => raw.sqlite3_bind_int64(statement, index, l),
        bool b => raw.sqlite3_bind_int64(statement, index, b ? 1 : 0),
        double d => raw.sqlite3_bind_double(statement, index, d),
        byte[] bytes => raw.sqlite3_bind_blob(statement, index, bytes),
        _ => throw new ArgumentException($"no SQLite binding for a {value.GetType().Name}", nameof(value)),
    };

    private static void Check(sqlite3 db, int rc)
    {
        if (rc is not (raw.SQLITE_OK or raw.SQLITE_DONE or raw.SQLITE_ROW))
        {
            throw new SqliteException(raw.sqlite3_errmsg(db).utf8_to_string(), rc, raw.sqlite3_extended_errcode(db));
        }
    }
}
