using System.Data.Common;

namespace Comb.Storage;

/// <summary>Small ADO.NET helpers shared by the SQLite and PostgreSQL paths (named @parameters work in both).</summary>
internal static class Sql
{
    public static DbCommand Command(DbConnection connection, DbTransaction? transaction, string text)
    {
        var command = connection.CreateCommand();
        command.CommandText = text;
        command.Transaction = transaction;
        return command;
    }

    public static void Bind(DbCommand command, params (string Name, object? Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            DbParameter parameter;
            if (command.Parameters.Contains(name))
            {
                parameter = command.Parameters[name];
            }
            else
            {
                parameter = command.CreateParameter();
                parameter.ParameterName = name;
                command.Parameters.Add(parameter);
            }

            parameter.Value = value ?? DBNull.Value;
        }
    }

    public static async Task ExecAsync(DbConnection connection, DbTransaction? transaction, string text, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var command = Command(connection, transaction, text);
        Bind(command, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public static Task<List<T>> QueryAsync<T>(DbConnection connection, string text, Func<DbDataReader, T> read, CancellationToken cancellationToken, params (string, object?)[] parameters) =>
        QueryAsync(connection, text, read, cancellationToken, null, parameters);

    public static async Task<List<T>> QueryAsync<T>(DbConnection connection, string text, Func<DbDataReader, T> read, CancellationToken cancellationToken, DbTransaction? transaction, params (string, object?)[] parameters)
    {
        await using var command = Command(connection, transaction, text);
        Bind(command, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    /// <summary>Most parameters one multi-row statement binds (PostgreSQL; under its limit of 65,535).</summary>
    private const int MaxParameters = 8000;

    /// <summary>
    /// Inserts <paramref name="rows"/> (each with one value per column) as multi-row INSERTs: a fleet's rows go in a
    /// few statements, not a round trip each. <paramref name="suffix"/> follows each VALUES list (ON CONFLICT ...,
    /// RETURNING ...); the first column of any rows returned is collected.
    /// </summary>
    public static async Task<List<string>> InsertRowsAsync(DbConnection connection, DbTransaction transaction, string prefix, IReadOnlyList<object?[]> rows,
        string suffix, CancellationToken cancellationToken)
    {
        var returned = new List<string>();
        if (rows.Count == 0)
        {
            return returned;
        }

        var columns = rows[0].Length;

        // SQLite runs in process: one prepared single-row statement re-bound per row (by position) beats re-preparing wide ones.
        if (connection is Microsoft.Data.Sqlite.SqliteConnection sqlite)
        {
            var text = $"{prefix} VALUES ({string.Join(", ", Enumerable.Range(1, columns).Select(c => $"?{c}"))}) {suffix}";
            return SqliteRows.Insert(sqlite, text, rows, cancellationToken);
        }

        // PostgreSQL: plain inserts of many rows stream as one binary COPY.
        if (connection is Npgsql.NpgsqlConnection postgres && suffix.Length == 0 && rows.Count >= PostgresCopy.MinRows && PostgresCopy.Target(prefix) is var (table, names))
        {
            await PostgresCopy.WriteAsync(postgres, table, names, rows, cancellationToken).ConfigureAwait(false);
            return returned;
        }

        var perStatement = Math.Max(1, MaxParameters / columns);
        for (var start = 0; start < rows.Count; start += perStatement)
        {
            var count = Math.Min(perStatement, rows.Count - start);
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var text = new System.Text.StringBuilder(prefix).Append(" VALUES ");
            for (var r = 0; r < count; r++)
            {
                text.Append(r == 0 ? "(" : ", (");
                for (var c = 0; c < columns; c++)
                {
                    var name = $"p{(r * columns) + c}";
                    text.Append(c == 0 ? "@" : ", @").Append(name);
                    var parameter = command.CreateParameter();
                    parameter.ParameterName = name;
                    parameter.Value = rows[start + r][c] ?? DBNull.Value;
                    command.Parameters.Add(parameter);
                }

                text.Append(')');
            }

            command.CommandText = text.Append(' ').Append(suffix).ToString();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                returned.Add(reader.GetString(0));
            }
        }

        return returned;
    }

    /// <summary>Runs a query once per chunk of <paramref name="keys"/>, bound to the list <c>{keys}</c> stands for in <paramref name="text"/>.</summary>
    public static async Task<List<T>> QueryInAsync<T>(DbConnection connection, string text, IReadOnlyCollection<string> keys, Func<DbDataReader, T> read, CancellationToken cancellationToken,
        DbTransaction? transaction = null)
    {
        var rows = new List<T>();
        foreach (var chunk in keys.Chunk(500))
        {
            var names = chunk.Select((_, i) => $"k{i}").ToArray();
            await using var command = Command(connection, transaction, text.Replace("{keys}", "@" + string.Join(", @", names), StringComparison.Ordinal));
            Bind(command, [.. chunk.Select((k, i) => (names[i], (object?)k))]);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(read(reader));
            }
        }

        return rows;
    }
}
