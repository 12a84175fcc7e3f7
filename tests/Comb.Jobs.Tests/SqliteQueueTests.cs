using Microsoft.Data.Sqlite;

namespace Comb.Jobs.Tests;

public sealed class SqliteQueueTests : QueueContract, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("comb-jobs-").FullName;

    protected override string NewLocation() => Path.Combine(_dir, Guid.NewGuid().ToString("N"), "jobs.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
