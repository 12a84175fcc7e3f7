using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using NpgsqlTypes;

namespace Comb.Storage;

/// <summary>
/// Plain row inserts on PostgreSQL as one binary COPY: no SQL text to build and no parameters to bind, the rows
/// stream to the server in its own format. Each column is written as the table declares it (read once per table
/// and column list), so a row value of another CLR width (an int for a BIGINT) still goes in as that column's type.
/// </summary>
internal static partial class PostgresCopy
{
    /// <summary>Below this many rows one multi-row INSERT is as quick.</summary>
    public const int MinRows = 64;

    private static readonly ConcurrentDictionary<string, NpgsqlDbType[]> ColumnTypes = new(StringComparer.Ordinal);

    /// <summary>The table and columns of a plain <c>INSERT INTO table (a, b, ...)</c>, or null for any other statement.</summary>
    public static (string Table, string Columns)? Target(string prefix) =>
        InsertInto().Match(prefix) is { Success: true } m ? (m.Groups[1].Value, string.Join(", ", m.Groups[2].Value.Split(',', StringSplitOptions.TrimEntries))) : null;

    public static async Task WriteAsync(NpgsqlConnection connection, string table, string columns, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken)
    {
        var types = await TypesAsync(connection, table, columns, cancellationToken).ConfigureAwait(false);
        await using var writer = await connection.BeginBinaryImportAsync($"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        foreach (var row in rows)
        {
            await writer.StartRowAsync(cancellationToken).ConfigureAwait(false);
            for (var c = 0; c < row.Length; c++)
            {
                await WriteValueAsync(writer, row[c], types[c], cancellationToken).ConfigureAwait(false);
            }
        }

        await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    private static Task WriteValueAsync(NpgsqlBinaryImporter writer, object? value, NpgsqlDbType type, CancellationToken cancellationToken) => value switch
    {
        null or DBNull => writer.WriteNullAsync(cancellationToken),
        _ => type switch
        {
            NpgsqlDbType.Integer => writer.WriteAsync(Convert.ToInt32(value, CultureInfo.InvariantCulture), type, cancellationToken),
            NpgsqlDbType.Bigint => writer.WriteAsync(Convert.ToInt64(value, CultureInfo.InvariantCulture), type, cancellationToken),
            NpgsqlDbType.Smallint => writer.WriteAsync(Convert.ToInt16(value, CultureInfo.InvariantCulture), type, cancellationToken),
            NpgsqlDbType.Boolean => writer.WriteAsync(Convert.ToBoolean(value, CultureInfo.InvariantCulture), type, cancellationToken),
            NpgsqlDbType.Double => writer.WriteAsync(Convert.ToDouble(value, CultureInfo.InvariantCulture), type, cancellationToken),
            NpgsqlDbType.Bytea => writer.WriteAsync((byte[])value, type, cancellationToken),
            _ => writer.WriteAsync(Convert.ToString(value, CultureInfo.InvariantCulture)!, NpgsqlDbType.Text, cancellationToken),
        },
    };

    /// <summary>The declared type of each column, in the order given: read from an empty query's result description.</summary>
    private static async Task<NpgsqlDbType[]> TypesAsync(NpgsqlConnection connection, string table, string columns, CancellationToken cancellationToken)
    {
        var key = $"{connection.Database}|{table}|{columns}";
        if (ColumnTypes.TryGetValue(key, out var known))
        {
            return known;
        }

        await using var command = new NpgsqlCommand($"SELECT {columns} FROM {table} LIMIT 0", connection);
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SchemaOnly, cancellationToken).ConfigureAwait(false);
        var types = new NpgsqlDbType[reader.FieldCount];
        for (var i = 0; i < types.Length; i++)
        {
            types[i] = reader.GetDataTypeName(i) switch
            {
                "integer" => NpgsqlDbType.Integer,
                "bigint" => NpgsqlDbType.Bigint,
                "smallint" => NpgsqlDbType.Smallint,
                "boolean" => NpgsqlDbType.Boolean,
                "double precision" => NpgsqlDbType.Double,
                "bytea" => NpgsqlDbType.Bytea,
                _ => NpgsqlDbType.Text,
            };
        }

        ColumnTypes[key] = types;
        return types;
    }

    [GeneratedRegex(@"^\s*INSERT INTO (\w+) \(([\w,\s]+)\)\s*$")]
    private static partial Regex InsertInto();
}
