using Comb.Testing.Services;
using Microsoft.Data.Sqlite;

namespace Comb.Jobs.Tests;

/// <summary>
/// Real worker processes, killed and starved of their database: every job finishes, and the job_done table (job id
/// unique, written in the completing transaction) holds each one exactly once.
/// </summary>
public sealed class CrashTests(PostgresServer server) : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly string _dir = Directory.CreateTempSubdirectory("comb-jobs-crash-").FullName;

    [Fact]
    public async Task Three_worker_processes_do_200_jobs_each_exactly_once()
    {
        var location = server.NewDatabaseUrl();
        await using var queue = await PrepareAsync(location);
        var ids = await EnqueueAsync(queue, 200, ms: 5);
        using var a = new WorkerProcess(location, "a", 2, 5_000);
        using var b = new WorkerProcess(location, "b", 2, 5_000);
        using var c = new WorkerProcess(location, "c", 2, 5_000);

        var counts = await JobPolling.UntilSettledAsync(queue, () => $"{a} {b} {c}");

        Assert.Equal(200, counts[JobState.Succeeded]);
        await AssertDoneOnceAsync(queue, ids);

        // A worker prints "done" after its commit, so the last lines may still be on their way when the queue has
        // settled: count them only once every worker has exited and its output has been read to the end.
        var exits = await Task.WhenAll(a.StopAsync(), b.StopAsync(), c.StopAsync());
        Assert.Equal([0, 0, 0], exits);
        Assert.Equal(ids.Order(StringComparer.Ordinal), new[] { a, b, c }.SelectMany(w => w.Done).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_worker_killed_mid_job_leaves_it_to_another_that_records_it_once()
    {
        var location = server.NewDatabaseUrl();
        await using var queue = await PrepareAsync(location);
        using var victim = new WorkerProcess(location, "victim", 1, 2_000);
        await victim.Ready.WaitAsync(TimeSpan.FromMinutes(2), Ct);
        var id = (await EnqueueAsync(queue, 1, ms: 4_000))[0];
        await JobPolling.UntilAsync(queue, id, j => j.State == JobState.Running && victim.Started.Contains(id));

        victim.Kill();
        using var survivor = new WorkerProcess(location, "survivor", 1, 2_000);
        var job = await JobPolling.UntilAsync(queue, id, j => j.State is not (JobState.Queued or JobState.Running));

        Assert.Equal(JobState.Succeeded, job.State);
        Assert.Equal(2, job.Attempts);

        // The survivor prints "done" after its commit: read its output to the end before looking for the line.
        Assert.Equal(0, await survivor.StopAsync());
        Assert.Contains(id, survivor.Done);
        Assert.Empty(victim.Done);
        await AssertDoneOnceAsync(queue, [id]);
    }
    [Fact]
    public async Task Work_resumes_after_PostgreSQL_restarts_and_nothing_is_lost_or_duplicated()
    {
        var own = new PostgresServer();
        await own.InitializeAsync();
        try
        {
            var location = own.NewDatabaseUrl();
            await using var queue = await PrepareAsync(location);
            var ids = await EnqueueAsync(queue, 60, ms: 100);
            using var a = new WorkerProcess(location, "a", 2, 3_000);
            using var b = new WorkerProcess(location, "b", 2, 3_000);
            while ((await queue.CountByStateAsync(Ct))[JobState.Succeeded] < 10)
            {
                await Task.Delay(50, Ct);
            }

            var before = (await queue.CountByStateAsync(Ct))[JobState.Succeeded];

            own.Restart();

            var counts = await JobPolling.UntilSettledAsync(queue, () => $"{a} {b}");
            Assert.True(before < 60, "every job was done before the restart; the test proves nothing");
            Assert.Equal(60, counts[JobState.Succeeded]);
            await AssertDoneOnceAsync(queue, ids);

            // Each worker's own account agrees: every job reported recorded by exactly one worker, none twice, even for
            // completions whose commit answer was lost in the restart.
            var exits = await Task.WhenAll(a.StopAsync(), b.StopAsync());
            Assert.Equal([0, 0], exits);
            Assert.Equal(ids.Order(StringComparer.Ordinal), new[] { a, b }.SelectMany(w => w.Done).Order(StringComparer.Ordinal));
        }
        finally
        {
            await own.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_worker_killed_in_the_middle_of_ten_jobs_on_SQLite_loses_none_and_repeats_none()
    {
        var location = Path.Combine(_dir, "jobs.db");
        string[] ids;
        await using (var queue = await PrepareAsync(location))
        {
            ids = await EnqueueAsync(queue, 10, ms: 400);
        }

        using (var first = new WorkerProcess(location, "first", 2, 1_500))
        {
            while (first.Done.Count < 3)
            {
                Assert.False(first.Errors.Any(e => e.Contains("Unhandled", StringComparison.Ordinal)), first.ToString());
                await Task.Delay(20, Ct);
            }

            first.Kill();
        }

        await using (var queue = await JobQueue.OpenAsync(location, new JobQueueOptions(), Ct))
        {
            Assert.NotEqual(10, (await queue.CountByStateAsync(Ct))[JobState.Succeeded]);
            using var second = new WorkerProcess(location, "second", 2, 1_500);

            var counts = await JobPolling.UntilSettledAsync(queue, second.ToString);

            Assert.Equal(10, counts[JobState.Succeeded]);
            await AssertDoneOnceAsync(queue, ids);
        }
    }

    private static async Task<JobQueue> PrepareAsync(string location)
    {
        var queue = await JobQueue.OpenAsync(location, new JobQueueOptions(), Ct);
        await using var connection = await queue.Db.OpenAsync(Ct);
        await JobDb.ExecuteAsync(connection, null, "CREATE TABLE job_done (job_id TEXT PRIMARY KEY, owner TEXT NOT NULL)", Ct);
        return queue;
    }

    private static async Task<string[]> EnqueueAsync(JobQueue queue, int count, int ms)
    {
        var ids = new string[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = (await queue.EnqueueAsync(new JobRequest("record", $$"""{"ms":{{ms}}}""", MaxAttempts: 20), Ct)).JobId!;
        }

        return ids;
    }

    private static async Task AssertDoneOnceAsync(JobQueue queue, IReadOnlyCollection<string> ids)
    {
        await using var connection = await queue.Db.OpenAsync(Ct);
        await using var command = JobDb.Command(connection, null, "SELECT job_id FROM job_done ORDER BY job_id", []);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var done = new List<string>();
        while (await reader.ReadAsync(Ct))
        {
            done.Add(reader.GetString(0));
        }

        Assert.Equal(ids.Order(StringComparer.Ordinal), done);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
