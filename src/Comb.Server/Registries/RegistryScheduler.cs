using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Comb.Server.Registries;

/// <summary>
/// Runs each registry's scheduled scan-all when its cron time comes (checked every Comb:ScheduleCheckSeconds). A run is
/// claimed in the database by moving its next time on, so of several servers on one store only one runs it.
/// </summary>
internal sealed partial class RegistryScheduler(RegistryStore registries, RegistryScanService scans, IOptions<RegistrySettings> settings, TimeProvider time,
    ILogger<RegistryScheduler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(Math.Max(0.05, settings.Value.ScheduleCheckSeconds));
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            do
            {
                await RunDueAsync(stoppingToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    /// <summary>Runs every registry that is due now; one failing registry does not keep the others from their turn.</summary>
    internal async Task RunDueAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<RegistryRecord> due;
        var now = time.GetUtcNow();
        try
        {
            due = await registries.DueAsync(now, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The server's tables may not be migrated yet, or the store is briefly away: the next tick tries again.
            LogCheckFailed(logger, ex.Message);
            return;
        }

        foreach (var registry in due)
        {
            var next = RegistrySchedule.Next(registry.Schedule!, now) ?? DateTimeOffset.MaxValue;
            if (!await registries.ClaimRunAsync(registry.Name, registry.NextRunAt!.Value, next, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            try
            {
                var summary = await scans.TryScanAsync(registry, null, cancellationToken).ConfigureAwait(false);
                if (summary is not null)
                {
                    LogRan(logger, registry.Name, summary.Tags, summary.Queued, summary.Rematched, summary.Errors.Count, next);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRunFailed(logger, registry.Name, ex.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "scheduled scan of registry {Registry}: {Tags} tags, {Queued} queued, {Rematched} re-matched, {Errors} errors; next at {Next}")]
    private static partial void LogRan(ILogger logger, string registry, int tags, int queued, int rematched, int errors, DateTimeOffset next);

    [LoggerMessage(Level = LogLevel.Warning, Message = "scheduled scan of registry {Registry} failed: {Error}")]
    private static partial void LogRunFailed(ILogger logger, string registry, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "registry schedules could not be checked: {Error}")]
    private static partial void LogCheckFailed(ILogger logger, string error);
}
