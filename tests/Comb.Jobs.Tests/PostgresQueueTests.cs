using Comb.Testing.Services;

[assembly: AssemblyFixture(typeof(PostgresServer))]

namespace Comb.Jobs.Tests;

public sealed class PostgresQueueTests(PostgresServer server) : QueueContract
{
    protected override string NewLocation() => server.NewDatabaseUrl();

    [Fact]
    public async Task A_notification_wakes_an_idle_worker_long_before_its_poll()
    {
        var location = NewLocation();
        await using var workerQueue = await JobQueue.OpenAsync(location, new JobQueueOptions(), Ct);
        var handler = new CountingHandler();
        var worker = new JobWorker(workerQueue, [handler], new JobWorkerOptions { Slots = 2, PollInterval = TimeSpan.FromHours(1), RecoveryInterval = TimeSpan.FromHours(1) });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = worker.RunAsync(stop.Token);
        await worker.Listening.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        while (worker.IdleSlots < 2)
        {
            await Task.Delay(20, Ct);
        }

        // Enqueued through another queue object (as another process would), so only NOTIFY can reach the idle slots.
        await using var submitter = await JobQueue.OpenAsync(location, new JobQueueOptions(), Ct);
        var id = (await submitter.EnqueueAsync(new JobRequest("scan", "{}"), Ct)).JobId!;

        var job = await JobPolling.UntilAsync(submitter, id, j => j.State == JobState.Succeeded);
        await stop.CancelAsync();
        await run;
        Assert.Equal(1, handler.Count);
        Assert.Equal(JobState.Succeeded, job.State);
    }

    [Fact]
    public async Task The_listener_reconnects_after_PostgreSQL_restarts_and_wakes_a_worker_that_would_poll_only_hourly()
    {
        var own = new PostgresServer();
        await own.InitializeAsync();
        try
        {
            var location = own.NewDatabaseUrl();
            await using var workerQueue = await JobQueue.OpenAsync(location, new JobQueueOptions(), Ct);
            var handler = new CountingHandler();
            var worker = new JobWorker(workerQueue, [handler], new JobWorkerOptions
            {
                Slots = 1, PollInterval = TimeSpan.FromHours(1), RecoveryInterval = TimeSpan.FromHours(1), ErrorDelay = TimeSpan.FromMilliseconds(100),
            });
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            var run = worker.RunAsync(stop.Token);
            await worker.Listening.WaitAsync(TimeSpan.FromSeconds(60), Ct);

            own.Restart();

            // Only a LISTEN connection made after the restart can reach the idle slot (its poll is an hour away).
            await using var submitter = await JobQueue.OpenAsync(location, new JobQueueOptions(), Ct);
            var id = (await submitter.EnqueueAsync(new JobRequest("scan", "{}"), Ct)).JobId!;
            var job = await JobPolling.UntilAsync(submitter, id, j => j.State == JobState.Succeeded);
            await stop.CancelAsync();
            await run;

            Assert.Equal(JobState.Succeeded, job.State);
            Assert.Equal(1, handler.Count);
        }
        finally
        {
            await own.DisposeAsync();
        }
    }

    private sealed class CountingHandler : IJobHandler
    {
        private int _count;

        public int Count => _count;

        public string Kind => "scan";

        public Task<string?> HandleAsync(JobContext context, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _count);
            return Task.FromResult<string?>(null);
        }
    }
}
