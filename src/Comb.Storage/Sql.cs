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
}
