using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Comb.Server.Admission;

/// <summary>Before the server listens: the decisions table exists, and with admission on, both policies load.</summary>
internal sealed class AdmissionStartup(AdmissionDecisionLog log, AdmissionPolicy policy, IOptions<AdmissionSettings> settings) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await log.EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        if (settings.Value.Enabled)
        {
            await policy.CheckAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
