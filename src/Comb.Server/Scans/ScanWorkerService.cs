using Comb.Jobs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Comb.Server.Scans;

/// <summary>
/// The in-process scan workers (<c>--workers N</c>; none when 0): job slots that run until the host stops, then let
/// running scans finish within the grace and give the rest back to the queue.
/// </summary>
internal sealed class ScanWorkerService(ScanQueue queue, ScanJobHandler handler, IOptions<ServerSettings> server, IOptions<ScanSettings> settings,
    ILogger<JobWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var slots = server.Value.Workers;
        if (slots <= 0)
        {
            return;
        }

        JobQueue? jobs = null;
        while (jobs is null)
        {
            try
            {
                jobs = await queue.GetAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is Contracts.CombInputException || JobDb.IsTransient(ex))
            {
                // A store that is not up yet (PostgreSQL restarting) is waited for, as the workers wait out outages later.
                logger.LogWarning("scan queue at {Store} cannot be opened ({Error}); trying again", queue.Location, ex.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        var worker = new JobWorker(jobs, [handler], Options(slots, settings.Value), logger);
        await worker.RunAsync(stoppingToken).ConfigureAwait(false);
    }

    public static JobWorkerOptions Options(int slots, ScanSettings settings) => new()
    {
        Slots = slots,
        PollInterval = TimeSpan.FromSeconds(settings.PollSeconds),
        ShutdownGrace = TimeSpan.FromSeconds(settings.ShutdownGraceSeconds),
    };
}
