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
