using System.Security.Cryptography;
using System.Text;
using Comb.Server.Admission;
using Comb.Jobs;
using Comb.Server.Data;
using Comb.Server.History;
using Comb.Server.Policies;
using Comb.Server.Registries;
using Comb.Server.Scans;
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

    public const string Policy = "bench-policy";

    public const string PolicyYaml = """
        name: bench-policy
        rules:
          - id: block-critical-fixable
            action: block
            description: Critical vulnerabilities that already have a fix
            vulnerabilities:
              min-severity: critical
              fixed-only: true
          - id: warn-high
            action: warn
            vulnerabilities:
              min-severity: high
        """;

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

        // A policy with 100 exceptions, 1,000 audit entries, and the queue's record of every stored scan.
        var policies = services.GetRequiredService<PolicyStore>();
        await policies.SaveAsync(Policy, PolicyYaml, "bench", ct);
        for (var i = 0; i < 100; i++)
        {
            await policies.CreateExceptionAsync(Policy, new ExceptionFields($"CVE-2099-{i:D4}", null, null, null, DateOnly.FromDateTime(now.UtcDateTime).AddDays(30 + i), "bench: accepted"), "bench", ct);
        }

        var audit = services.GetRequiredService<AuditLog>();
        for (var i = 0; i < 1000; i++)
        {
            await audit.WriteAsync("bench", i % 2 == 0 ? "scan.create" : "console.login", $"target-{i}", null, "127.0.0.1", ct);
        }

        await services.GetRequiredService<ScanQueue>().GetAsync(ct); // creates the queue's tables
        await SeedJobsAsync(services.GetRequiredService<ServerDatabase>(), images, now, ct);
    }

    /// <summary>
    /// Ten succeeded scan jobs per image, written straight into the queue's table in one transaction (going through
    /// claim and complete for each would take minutes and measure the queue, not the console).
    /// </summary>
    private static async Task SeedJobsAsync(ServerDatabase database, int images, DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var at = now.ToUnixTimeMilliseconds();
        for (var i = 0; i < images * 10; i++)
        {
            var image = $"registry.example/team{i % images % 20}/app{i % images}:1.9";
            var payload = new ScanJob(new ScanRequest { Image = image, Trigger = "bench" }).ToJson();
            var result = new ScanJobResult($"scan-{i}", "pass", 0, "").ToJson();
            await JobDb.ExecuteAsync(connection, transaction, """
                INSERT INTO jobs (id, kind, payload, state, attempts, max_attempts, result, created_at, started_at, finished_at, next_attempt_at, cancel_requested)
                VALUES (@id, @kind, @payload, 'succeeded', 1, 3, @result, @at, @at, @at, @at, 0)
                """, ct, ("id", $"bench-job-{i:D6}"), ("kind", ScanJob.Kind), ("payload", payload), ("result", result), ("at", at - (images * 10 - i) * 1000L));
        }

        await transaction.CommitAsync(ct);
    }

    /// <summary>The same digests as the console benchmark's synthetic images.</summary>
    private static string Digest(string kind, int i) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{kind}-{i}")));
}
