using Comb.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Comb.Jobs;

/// <summary>
/// Runs queued jobs in a number of slots until stopped: each slot claims a job, runs its handler while a heartbeat keeps
/// the lease, and records the outcome with the lease token. Database errors (a restarted server, a busy file) are waited
/// out, never fatal. <see cref="RunAsync"/> fits a hosted service: cancel its token to stop gracefully.
/// </summary>
public sealed class JobWorker
{
    private readonly JobQueue _queue;
    private readonly IReadOnlyDictionary<string, IJobHandler> _handlers;
    private readonly JobWorkerOptions _options;
    private readonly ILogger _logger;
    private readonly PostgresWakeListener? _listener;
    private int _idleSlots;

    public JobWorker(JobQueue queue, IEnumerable<IJobHandler> handlers, JobWorkerOptions options, ILogger<JobWorker>? logger = null)
    {
        _queue = queue;
        _handlers = handlers.ToDictionary(h => h.Kind, StringComparer.Ordinal);
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        if (_handlers.Count == 0 || options.Slots < 1 || options.PollInterval <= TimeSpan.Zero || HeartbeatInterval <= TimeSpan.Zero
            || HeartbeatInterval >= queue.Options.LeaseDuration)
        {
            throw new ArgumentException("a job worker needs a handler, at least one slot, and a heartbeat shorter than the lease");
        }

        _listener = queue.IsPostgres ? new PostgresWakeListener(queue, options.ErrorDelay, _logger) : null;
    }

    /// <summary>Slots waiting for work right now.</summary>
    public int IdleSlots => Volatile.Read(ref _idleSlots);

    /// <summary>Completes when the worker listens for new jobs (at once on SQLite, after LISTEN on PostgreSQL).</summary>
    public Task Listening => _listener?.Listening ?? Task.CompletedTask;

    private TimeSpan HeartbeatInterval => _options.HeartbeatInterval ?? _queue.Options.LeaseDuration / 3;

    private TimeSpan RecoveryInterval => _options.RecoveryInterval ?? _queue.Options.LeaseDuration / 2;

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        using var background = new CancellationTokenSource();
        var listening = _listener?.RunAsync(background.Token) ?? Task.CompletedTask;
        var recovery = RecoverLoopAsync(background.Token);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, _options.Slots).Select(_ => Task.Run(() => SlotLoopAsync(stoppingToken), CancellationToken.None))).ConfigureAwait(false);
        }
        finally
        {
            await background.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(listening, recovery).ConfigureAwait(false);
        }
    }

    private async Task SlotLoopAsync(CancellationToken stoppingToken)
    {
        var kinds = _handlers.Keys.ToArray();
        while (!stoppingToken.IsCancellationRequested)
        {
            var wake = _queue.Wake.Next;
            JobLease? lease;
            try
            {
                lease = await _queue.TryClaimAsync(_options.Owner, kinds, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _logger.LogWarning("claiming a job failed ({Error}); trying again", ex.Message);
                await DelayAsync(_options.ErrorDelay, stoppingToken).ConfigureAwait(false);
                continue;
            }

            if (lease is null)
            {
                Interlocked.Increment(ref _idleSlots);
                try
                {
                    await Task.WhenAny(wake, Task.Delay(_options.PollInterval, stoppingToken)).ConfigureAwait(false);
                }
                finally
                {
                    Interlocked.Decrement(ref _idleSlots);
                }

                continue;
            }

            await RunJobAsync(lease, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task RunJobAsync(JobLease lease, CancellationToken stoppingToken)
    {
        var stop = new StopReason();
        using var jobCancel = new CancellationTokenSource();
        using var onStop = stoppingToken.Register(() =>
        {
            stop.Set(StopReason.Shutdown);
            jobCancel.CancelAfter(_options.ShutdownGrace);
        });
        using var heartbeatStop = new CancellationTokenSource();
        var heartbeat = HeartbeatLoopAsync(lease, stop, jobCancel, heartbeatStop.Token);
        var context = new JobContext(_queue, lease);
        Func<CancellationToken, Task<bool>> record;
        try
        {
            var result = await _handlers[lease.Kind].HandleAsync(context, jobCancel.Token).ConfigureAwait(false);
            record = ct => context.Completed || context.LeaseLost ? Task.FromResult(true) : _queue.CompleteAsync(lease, result, null, ct);
        }
        catch (OperationCanceledException) when (jobCancel.IsCancellationRequested)
        {
            record = stop.Value switch
            {
                StopReason.Cancel => ct => _queue.MarkCancelledAsync(lease, ct),
                StopReason.Shutdown => ct => _queue.ReleaseAsync(lease, ct),
                _ => _ => Task.FromResult(true),
            };
        }
        catch (Exception ex)
        {
            var error = ex switch
            {
                JobFailedException failed => new JobError(failed.Kind, failed.Message, failed.Retryable),
                CombInputException input => new JobError("input", input.Message, false),
                _ => new JobError("internal", $"{ex.GetType().Name}: {ex.Message}", true),
            };
            record = ct => _queue.FailAsync(lease, error, ct);
        }
        finally
        {
            await heartbeatStop.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(false);
        }

        await RecordAsync(lease, record).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes the outcome, trying again through database outages for as long as the lease would last; past that the job
    /// is taken back by another worker anyway. A write after the lease is lost changes nothing (fenced).
    /// </summary>
    private async Task RecordAsync(JobLease lease, Func<CancellationToken, Task<bool>> record)
    {
        using var deadline = new CancellationTokenSource(_queue.Options.LeaseDuration);
        while (true)
        {
            try
            {
                if (!await record(deadline.Token).ConfigureAwait(false))
                {
                    _logger.LogInformation("job {Job} was taken back before its outcome was recorded", lease.JobId);
                }

                return;
            }
            catch (Exception ex) when (!deadline.IsCancellationRequested)
            {
                _logger.LogWarning("recording job {Job} failed ({Error}); trying again", lease.JobId, ex.Message);
                await DelayAsync(_options.ErrorDelay, deadline.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _logger.LogWarning("job {Job} outcome not recorded ({Error}); it will run again when its lease expires", lease.JobId, ex.Message);
                return;
            }
        }
    }

    private async Task HeartbeatLoopAsync(JobLease lease, StopReason stop, CancellationTokenSource jobCancel, CancellationToken done)
    {
        using var timer = new PeriodicTimer(HeartbeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(done).ConfigureAwait(false))
            {
                HeartbeatOutcome outcome;
                try
                {
                    outcome = await _queue.HeartbeatAsync(lease, done).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The lease may still hold when the database is back; if not, the fenced writes notice.
                    _logger.LogWarning("heartbeat of job {Job} failed ({Error})", lease.JobId, ex.Message);
                    continue;
                }

                if (outcome == HeartbeatOutcome.Lost)
                {
                    stop.Set(StopReason.Lost);
                    await jobCancel.CancelAsync().ConfigureAwait(false);
                    return;
                }

                if (outcome == HeartbeatOutcome.CancelRequested && stop.Set(StopReason.Cancel))
                {
                    await jobCancel.CancelAsync().ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (done.IsCancellationRequested)
        {
        }
    }

    private async Task RecoverLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(RecoveryInterval);
        do
        {
            try
            {
                var recovered = await _queue.RecoverExpiredAsync(cancellationToken).ConfigureAwait(false);
                if (recovered > 0)
                {
                    _logger.LogInformation("took back {Count} jobs whose lease expired", recovered);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _logger.LogWarning("taking back expired jobs failed ({Error})", ex.Message);
            }
        }
        while (await WaitTickAsync(timer, cancellationToken).ConfigureAwait(false));
    }

    private static async Task<bool> WaitTickAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The first reason a running job was stopped; later ones do not overwrite it.</summary>
    private sealed class StopReason
    {
        public const int None = 0;
        public const int Cancel = 1;
        public const int Shutdown = 2;
        public const int Lost = 3;
        private int _value;

        public int Value => Volatile.Read(ref _value);

        public bool Set(int reason) => Interlocked.CompareExchange(ref _value, reason, None) == None;
    }
}
