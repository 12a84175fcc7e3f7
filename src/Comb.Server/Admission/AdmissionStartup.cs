using System.Text.Json;
using Comb.Server.History;
using Comb.Server.Scans;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Comb.Server.Admission;

/// <summary>
/// Before the server listens: the decisions table exists, and with admission on, both policies load and what the first
/// review would otherwise pay for (the Kubernetes serializer, the store and queue migrations) is done, so that the
/// first review's budget goes to judging.
/// </summary>
internal sealed class AdmissionStartup(AdmissionDecisionLog log, DecisionCache decisions, AdmissionPolicy policy, ServerStore store, ScanQueue queue, IOptions<AdmissionSettings> settings) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await log.EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        if (!settings.Value.Enabled)
        {
            return;
        }

        await decisions.EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        await policy.CheckAsync(cancellationToken).ConfigureAwait(false);
        policy.Version();
        using (var empty = JsonDocument.Parse("{}"))
        {
            WorkloadImages.Of("Pod", empty.RootElement);
        }

        await store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await queue.GetAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
