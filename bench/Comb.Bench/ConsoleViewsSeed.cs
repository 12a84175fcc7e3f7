using System.Security.Cryptography;
using System.Text;
using Comb.Server.Admission;
using Comb.Server.History;
using Comb.Server.Registries;
using Comb.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Bench;

/// <summary>
/// What the registries, runtime and admission pages read, at the console benchmark's scale: one registry holding a tag of
/// every stored image (scanned), a runtime round of 300 containers (a third drifted) on those images, and 10,000
/// admission decisions (one in ten denied), written through the server's own stores.
/// </summary>
internal static class ConsoleViewsSeed
{
    public const string Registry = "bench";

    public const int Decisions = 10_000;

    public static async Task SeedAsync(IServiceProvider services, int images, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        var registries = services.GetRequiredService<RegistryStore>();
        await registries.CreateAsync(new RegistryRecord
        {
            Name = Registry, Url = "https://registry.example", Auth = RegistryAuthKinds.None, Schedule = "0 3 * * *", NextRunAt = RegistrySchedule.Next("0 3 * * *", now),
            CreatedAt = now, UpdatedAt = now, UpdatedBy = "bench",
        }, ct);
        for (var i = 0; i < images; i++)
        {
            var digest = Digest("image", i);
            var row = await registries.ObserveAsync(Registry, $"team{i % 20}/app{i}", "1.9", digest, now.ToUnixTimeMilliseconds(), ct);
            await registries.MarkScannedAsync(row, digest, "bench", "bench", null, ct);
        }

        await registries.RecordRunAsync(Registry, "rate-limit", "429 Too Many Requests from registry.example after 5 attempts", ct);

        var store = await services.GetRequiredService<ServerStore>().OpenAsync(ct);
        var containers = Enumerable.Range(0, 300).Select(i => new RuntimeContainerRecord
        {
            Source = "bench:podman", Runtime = "podman", ContainerId = $"{i:x12}", Name = $"app{i}", Image = $"registry.example/team{i % 20}/app{i}:1.9",
            ImageDigest = Digest("image", i % Math.Max(1, images)), Drifted = i % 3 == 0, DriftFiles = i % 3 == 0 ? 2 : 0, DriftDigest = i % 3 == 0 ? "sha256:drift" : null,
            Severity = i % 3 == 0 ? "CRITICAL" : "MEDIUM",
            ReportJson = i % 3 == 0
                ? """{"drift":[{"path":"/var/www/html/shell.php","change":"added","kinds":["script"],"severity":"critical"},{"path":"/usr/local/bin/miner","change":"added","kinds":["executable"],"severity":"high"}],"privileges":[{"id":"runs-as-root","title":"Runs as root","severity":"medium"}]}"""
                : """{"drift":[],"privileges":[{"id":"runs-as-root","title":"Runs as root","severity":"medium"}]}""",
        }).ToList();
        await store.RecordRuntimeRoundAsync("bench:podman", now, containers, 0, ct);

        var log = services.GetRequiredService<AdmissionDecisionLog>();
        var decisions = Enumerable.Range(0, Decisions).Select(i => new AdmissionDecisionEntry(
            log.NewId(i % 4096), now.AddSeconds(-i), $"uid-{i}", "system:serviceaccount:kube-system:replicaset-controller", $"ns{i % 50}", "Pod", $"app{i}-x", "CREATE", "app",
            $"registry.example/team{i % 20}/app{i % Math.Max(1, images)}:1.9", Digest("image", i % Math.Max(1, images)), i % 10 != 0, i % 10 != 0 ? "allowed" : "denied",
            i % 10 != 0 ? [] : ["denied by rule block-critical: 1 critical vulnerability with a fix"], [], null, i % 2 == 0)).ToList();
        await log.WriteAsync(decisions, ct);
    }

    /// <summary>The same digests as the console benchmark's synthetic images.</summary>
    private static string Digest(string kind, int i) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{kind}-{i}")));
}
