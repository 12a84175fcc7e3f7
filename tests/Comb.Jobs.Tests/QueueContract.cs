using Comb.Contracts;

namespace Comb.Jobs.Tests;

/// <summary>Queue behaviour that must hold on both SQLite and PostgreSQL.</summary>
public abstract class QueueContract
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] Kinds = ["scan"];

    /// <summary>A location (SQLite path or postgres:// URL) of a new, empty store.</summary>
    protected abstract string NewLocation();

    private readonly ManualClock _clock = new();

    private JobQueueOptions Options => new()
    {
        TimeProvider = _clock, BackoffBase = TimeSpan.FromSeconds(10), BackoffMax = TimeSpan.FromMinutes(1), BackoffJitter = 0, LeaseDuration = TimeSpan.FromMinutes(1),
    };

    [Fact]
    public async Task An_enqueued_job_is_committed_before_enqueue_returns()
    {
        var location = NewLocation();
        await using var queue = await JobQueue.OpenAsync(location, Options, Ct);
        var result = await queue.EnqueueAsync(new JobRequest("scan", """{"image":"alpine:3.20"}"""), Ct);

        await using var other = await JobQueue.OpenAsync(location, Options, Ct);
        var job = await other.GetAsync(result.JobId!, Ct);
        Assert.Equal(EnqueueOutcome.Enqueued, result.Outcome);
        Assert.Equal(JobState.Queued, job!.State);
        Assert.Equal("""{"image":"alpine:3.20"}""", job.Payload);
    }

    [Fact]
    public async Task Upstream_failures_retry_with_growing_backoff_until_the_job_is_dead()
    {
        await using var queue = await JobQueue.OpenAsync(NewLocation(), Options, Ct);
        var id = (await queue.EnqueueAsync(new JobRequest("scan", "{}", MaxAttempts: 3), Ct)).JobId!;

        var first = await queue.TryClaimAsync("w", Kinds, Ct);
        Assert.True(await queue.FailAsync(first!, new JobError("upstream", "registry answered 503", Retryable: true), Ct));
        var queued = await queue.GetAsync(id, Ct);
        Assert.Equal(JobState.Queued, queued!.State);
        Assert.Equal(_clock.GetUtcNow() + TimeSpan.FromSeconds(10), queued.NextAttemptAt);
        Assert.Null(await queue.TryClaimAsync("w", Kinds, Ct));

        _clock.Advance(TimeSpan.FromSeconds(10));
        var second = await queue.TryClaimAsync("w", Kinds, Ct);
        Assert.Equal(2, second!.Attempt);
        await queue.FailAsync(second, new JobError("timeout", "registry timed out", Retryable: true), Ct);
        Assert.Equal(_clock.GetUtcNow() + TimeSpan.FromSeconds(20), (await queue.GetAsync(id, Ct))!.NextAttemptAt);

        _clock.Advance(TimeSpan.FromSeconds(20));
        var third = await queue.TryClaimAsync("w", Kinds, Ct);
        await queue.FailAsync(third!, new JobError("upstream", "registry answered 502", Retryable: true), Ct);
        var dead = await queue.GetAsync(id, Ct);
        Assert.Equal(JobState.Dead, dead!.State);
        Assert.Equal("gave up after 3 attempts: registry answered 502", dead.LastError);
        Assert.Equal("upstream", dead.ErrorKind);
        Assert.NotNull(dead.FinishedAt);
    }

    [Fact]
    public async Task Bad_input_fails_at_once_without_retry()
    {
        await using var queue = await JobQueue.OpenAsync(NewLocation(), Options, Ct);
        var id = (await queue.EnqueueAsync(new JobRequest("scan", "{}"), Ct)).JobId!;
        var lease = await queue.TryClaimAsync("w", Kinds, Ct);

        await queue.FailAsync(lease!, new JobError("input", "malformed reference", Retryable: false), Ct);

        var job = await queue.GetAsync(id, Ct);
        Assert.Equal(JobState.Failed, job!.State);
        Assert.Equal(1, job.Attempts);
        Assert.Equal("malformed reference", job.LastError);
    }

    [Fact]
    public async Task Identical_pending_jobs_are_merged_and_a_finished_one_is_not()
    {
        await using var queue = await JobQueue.OpenAsync(NewLocation(), Options, Ct);
        var request = new JobRequest("scan", "{}", DedupeKey: "sha256:abc|vuln,secret|db-2026-01-01");
        var first = await queue.EnqueueAsync(request, Ct);
        var again = await queue.EnqueueAsync(request with { Payload = """{"x":1}""" }, Ct);
        Assert.Equal(EnqueueOutcome.Merged, again.Outcome);
        Assert.Equal(first.JobId, again.JobId);

        var lease = await queue.TryClaimAsync("w", Kinds, Ct);
        Assert.Equal(first.JobId, (await queue.EnqueueAsync(request, Ct)).JobId);
        await queue.CompleteAsync(lease!, null, null, Ct);

        var later = await queue.EnqueueAsync(request, Ct);
        Assert.Equal(EnqueueOutcome.Enqueued, later.Outcome);
        Assert.NotEqual(first.JobId, later.JobId);
    }

    [Fact]
    public async Task A_full_queue_answers_with_a_retry_after_hint_and_writes_nothing()
    {
        await using var queue = await JobQueue.OpenAsync(NewLocation(), Options with { MaxDepth = 2, QueueFullRetryAfter = TimeSpan.FromSeconds(7) }, Ct);
        await queue.EnqueueAsync(new JobRequest("scan", "{}"), Ct);
        await queue.EnqueueAsync(new JobRequest("scan", "{}"), Ct);

        var full = await queue.EnqueueAsync(new JobRequest("scan", "{}"), Ct);

        Assert.Equal(EnqueueOutcome.QueueFull, full.Outcome);
        Assert.Equal(TimeSpan.FromSeconds(7), full.RetryAfter);
        Assert.Null(full.JobId);
        Assert.Equal(2, (await queue.CountByStateAsync(Ct))[JobState.Queued]);

        // A running job no longer counts against the depth.
        await queue.TryClaimAsync("w", Kinds, Ct);
        Assert.Equal(EnqueueOutcome.Enqueued, (await queue.EnqueueAsync(new JobRequest("scan", "{}"), Ct)).Outcome);
    }

    [Fact]
    public async Task Cancelling_a_queued_job_cancels_it()
    {
        await using var queue = await JobQueue.OpenAsync(NewLocation(), Options, Ct);
        var id = (await queue.EnqueueAsync(new JobRequest("scan", "{}"), Ct)).JobId!;

        Assert.Equal(CancelOutcome.Cancelled, await queue.CancelAsync(id, Ct));
        Assert.Equal(JobState.Cancelled, (await queue.GetAsync(id, Ct))!.State);
        Assert.Null(await queue.TryClaimAsync("w", Kinds, Ct));
        Assert.Equal(CancelOutcome.AlreadyFinished, await queue.CancelAsync(id, Ct));
        Assert.Equal(CancelOutcome.NotFound, await queue.CancelAsync("nope", Ct));
    }

    [Fact]
    public async Task An_expired_lease_is_claimed_again_and_the_old_holder_cannot_record_the_job()
    {
        await using var queue = await JobQueue.OpenAsync(NewLocation(), Options, Ct);
        var id = (await queue.EnqueueAsync(new JobRequest("scan", "{}"), Ct)).JobId!;
        var stale = await queue.TryClaimAsync("killed", Kinds, Ct);
        _clock.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(1, await queue.RecoverExpiredAsync(Ct));
        var live = await queue.TryClaimAsync("other", Kinds, Ct);
        Assert.Equal(2, live!.Attempt);

        var wrote = false;
        Assert.False(await queue.CompleteAsync(stale!, null, (_, _, _) => { wrote = true; return Task.CompletedTask; }, Ct));
        Assert.False(wrote);
        Assert.Equal(HeartbeatOutcome.Lost, await queue.HeartbeatAsync(stale!, Ct));
        Assert.False(await queue.FailAsync(stale!, new JobError("upstream", "late", true), Ct));
        Assert.True(await queue.CompleteAsync(live, """{"scan":"s1"}""", null, Ct));

        var job = await queue.GetAsync(id, Ct);
        Assert.Equal(JobState.Succeeded, job!.State);
        Assert.Equal("""{"scan":"s1"}""", job.Result);
    }

    [Fact]
    public async Task A_lease_expiring_on_the_last_attempt_makes_the_job_dead_with_the_reason()
    {
        await using var queue = await JobQueue.OpenAsync(NewLocation(), Options, Ct);
        var id = (await queue.EnqueueAsync(new JobRequest("scan", "{}", MaxAttempts: 1), Ct)).JobId!;
        await queue.TryClaimAsync("killed", Kinds, Ct);
        _clock.Advance(TimeSpan.FromMinutes(2));

        await queue.RecoverExpiredAsync(Ct);

        var job = await queue.GetAsync(id, Ct);
        Assert.Equal(JobState.Dead, job!.State);
        Assert.Equal("lease-expired", job.ErrorKind);
        Assert.Equal("gave up after 1 attempts: worker killed stopped renewing its lease", job.LastError);
    }

    [Fact]
    public async Task Progress_is_recorded_on_the_running_job()
    {
        await using var queue = await JobQueue.OpenAsync(NewLocation(), Options, Ct);
        var id = (await queue.EnqueueAsync(new JobRequest("scan", "{}"), Ct)).JobId!;
        var lease = await queue.TryClaimAsync("w", Kinds, Ct);

        Assert.True(await queue.ReportProgressAsync(lease!, new JobProgress(3, 7, "layer"), Ct));

        Assert.Equal(new JobProgress(3, 7, "layer"), (await queue.GetAsync(id, Ct))!.Progress);
    }

    [Fact]
    public async Task A_payload_that_is_not_json_is_an_input_error()
    {
        await using var queue = await JobQueue.OpenAsync(NewLocation(), Options, Ct);

        await Assert.ThrowsAsync<CombInputException>(() => queue.EnqueueAsync(new JobRequest("scan", "{not json"), Ct));
    }

    [Fact]
    public async Task Cancelling_a_running_job_stops_its_handler_through_the_heartbeat()
    {
        var options = new JobQueueOptions { LeaseDuration = TimeSpan.FromSeconds(3) };
        await using var queue = await JobQueue.OpenAsync(NewLocation(), options, Ct);
        var handler = new WaitingHandler();
        var worker = new JobWorker(queue, [handler], new JobWorkerOptions { Slots = 1, HeartbeatInterval = TimeSpan.FromMilliseconds(100) });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = worker.RunAsync(stop.Token);
        var id = (await queue.EnqueueAsync(new JobRequest("scan", "{}"), Ct)).JobId!;
        await handler.Started.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);

        Assert.Equal(CancelOutcome.Requested, await queue.CancelAsync(id, Ct));

        var job = await JobPolling.UntilAsync(queue, id, j => j.State != JobState.Running);
        await stop.CancelAsync();
        await run;
        Assert.Equal(JobState.Cancelled, job.State);
        Assert.Equal("cancelled while running", job.LastError);
        Assert.True(handler.SawCancel);
    }

    [Fact]
    public async Task Migrations_are_applied_once_when_many_open_together()
    {
        var location = NewLocation();
        var queues = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => JobQueue.OpenAsync(location, Options, Ct)));
        try
        {
            await using var connection = await queues[0].Db.OpenAsync(Ct);
            Assert.Equal(JobSchema.Latest, JobDb.ToLong((await JobDb.ScalarAsync(connection, null, "SELECT COUNT(*) FROM job_migrations", Ct))!));
        }
        finally
        {
            foreach (var queue in queues)
            {
                await queue.DisposeAsync();
            }
        }
    }

    private sealed class WaitingHandler : IJobHandler
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool SawCancel { get; private set; }

        public string Kind => "scan";

        public async Task<string?> HandleAsync(JobContext context, CancellationToken cancellationToken)
        {
            Started.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                SawCancel = true;
                throw;
            }

            return null;
        }
    }
}
