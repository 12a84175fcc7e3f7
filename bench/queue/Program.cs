using System.Diagnostics;
using System.Globalization;
using Comb.Jobs;
using Comb.Testing.Services;

// Queue overhead: jobs per second through enqueue, claim, heartbeat and complete with an empty handler, on SQLite and on
// a PostgreSQL started here (as the tests start theirs), with 1 and 4 workers. Each worker is a JobWorker with one slot
// and its own queue object (its own connections), as separate worker processes would be.
// Usage: bash bench/queue/run.sh [JOBS] [ROUNDS]
var jobs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
var work = Directory.CreateTempSubdirectory("comb-queue-bench-").FullName;
var postgres = new PostgresServer();
await postgres.InitializeAsync();
try
{
    Console.WriteLine($"{jobs} jobs per run, best of {rounds} runs; {Environment.ProcessorCount} cores, load average {LoadAverage()}");
    Console.WriteLine();
    Console.WriteLine("| store | workers | enqueue (jobs/s) | claim + heartbeat + complete (jobs/s) |");
    Console.WriteLine("| --- | --- | --- | --- |");
    foreach (var (store, location) in new (string, Func<string>)[]
             {
                 ("SQLite", () => Path.Combine(work, Guid.NewGuid().ToString("N") + ".db")),
                 ("PostgreSQL", postgres.NewDatabaseUrl),
             })
    {
        foreach (var workers in new[] { 1, 4 })
        {
            var best = (Enqueue: 0.0, Run: 0.0);
            for (var round = 0; round < rounds; round++)
            {
                var (enqueue, run) = await MeasureAsync(location(), jobs, workers);
                best = (Math.Max(best.Enqueue, enqueue), Math.Max(best.Run, run));
            }

            Console.WriteLine($"| {store} | {workers} | {best.Enqueue:F0} | {best.Run:F0} |");
        }
    }
}
finally
{
    await postgres.DisposeAsync();
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    Directory.Delete(work, recursive: true);
}

static async Task<(double Enqueue, double Run)> MeasureAsync(string location, int jobs, int workers)
{
    var options = new JobQueueOptions { MaxDepth = 0 };
    await using var queue = await JobQueue.OpenAsync(location, options, CancellationToken.None);
    var started = Stopwatch.GetTimestamp();
    for (var i = 0; i < jobs; i++)
    {
        await queue.EnqueueAsync(new JobRequest("empty", "{}"), CancellationToken.None);
    }

    var enqueue = jobs / Stopwatch.GetElapsedTime(started).TotalSeconds;

    var queues = new List<JobQueue>();
    for (var i = 0; i < workers; i++)
    {
        queues.Add(await JobQueue.OpenAsync(location, options, CancellationToken.None));
    }

    var handler = new EmptyHandler(jobs);
    using var stop = new CancellationTokenSource();
    started = Stopwatch.GetTimestamp();
    var running = queues.Select((q, i) => new JobWorker(q, [handler.For(q)], new JobWorkerOptions
    {
        Owner = $"bench-{i}",
        Slots = 1,
        PollInterval = TimeSpan.FromMilliseconds(50),
    }).RunAsync(stop.Token)).ToArray();

    // The handler sees the last job before the worker records it: wait for the records too.
    await handler.AllSeen;
    while ((await queue.CountByStateAsync(CancellationToken.None))[JobState.Succeeded] < jobs)
    {
        await Task.Delay(1);
    }

    var run = jobs / Stopwatch.GetElapsedTime(started).TotalSeconds;
    await stop.CancelAsync();
    await Task.WhenAll(running);
    foreach (var q in queues)
    {
        await q.DisposeAsync();
    }

    return (enqueue, run);
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

/// <summary>Does nothing but the one heartbeat a running job sends, so each job costs a claim, a heartbeat and a completion.</summary>
internal sealed class EmptyHandler(int expected)
{
    private readonly TaskCompletionSource _allSeen = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _seen;

    public Task AllSeen => _allSeen.Task;

    public IJobHandler For(JobQueue queue) => new Bound(this, queue);

    private void Seen()
    {
        if (Interlocked.Increment(ref _seen) == expected)
        {
            _allSeen.TrySetResult();
        }
    }

    private sealed class Bound(EmptyHandler counter, JobQueue queue) : IJobHandler
    {
        public string Kind => "empty";

        public async Task<string?> HandleAsync(JobContext context, CancellationToken cancellationToken)
        {
            await queue.HeartbeatAsync(context.Lease, cancellationToken);
            counter.Seen();
            return null;
        }
    }
}
