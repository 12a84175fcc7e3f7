using Microsoft.Data.Sqlite;

namespace Comb.Analyzers.Os.Rpm;

/// <summary>Reads header blobs from rpmdb.sqlite (table Packages: hnum, blob) through a private temporary copy.</summary>
internal static class SqliteRpmReader
{
    private static readonly byte[] Magic = "SQLite format 3\0"u8.ToArray();

    public static bool LooksLikeSqlite(ReadOnlySpan<byte> file) => file.StartsWith(Magic);

    public static async Task<List<byte[]>> ReadBlobsAsync(byte[] file, CancellationToken cancellationToken)
    {
        var dir = Path.Combine(Path.GetTempPath(), "comb-rpmdb-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "rpmdb.sqlite");
        try
        {
            await File.WriteAllBytesAsync(path, file, cancellationToken).ConfigureAwait(false);
            var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false };
            var blobs = new List<byte[]>();
            await using (var connection = new SqliteConnection(builder.ToString()))
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT blob FROM Packages ORDER BY hnum";
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (!reader.IsDBNull(0))
                    {
                        blobs.Add((byte[])reader.GetValue(0));
                    }
                }
            }

            return blobs;
        }
        catch (SqliteException ex)
        {
            throw new InvalidDataException("rpm sqlite database is unreadable: " + ex.Message, ex);
        }
        finally
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: the temp folder is ours and holds nothing sensitive.
            }
        }
    }
}
