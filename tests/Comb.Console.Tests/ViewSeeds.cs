using System.Text.Json;
using System.Text.Json.Serialization;
using Comb.Contracts;
using Comb.Runtime;
using Comb.Server.Admission;
using Comb.Server.History;
using Comb.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Console.Tests;

/// <summary>
/// Runtime rounds and admission decisions recorded through the server's own stores, as `comb runtime watch --store` and
/// the admission webhook record them: a container that drifts (a web shell) on an image the store has scanned, one with
/// a hostile name, one that stopped; an allowed and a denied decision (hostile names in the denied one).
/// </summary>
public static class ViewSeeds
{
    public const string Hostile = "<img src=x onerror=window.__pwned=1>";

    public const string RuntimeSource = "node1:podman:/var/lib/containers/storage";

    /// <summary>When the first round was observed; the drift is first seen one minute later and again two minutes later.</summary>
    public static readonly DateTimeOffset FirstRound = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    /// <summary>The report JSON as the watch writes it (camelCase, enums as strings).</summary>
    private static readonly JsonSerializerOptions RuntimeJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static async Task RecordRuntimeAsync(ConsoleServer server, CancellationToken ct)
    {
        var store = await server.Services.GetRequiredService<ServerStore>().OpenAsync(ct);
        var shell = new DriftFinding
        {
            Path = "/var/www/html/shell.php", Change = "added", Kinds = ["script"], Size = 120, Mode = "0644", Severity = Severity.Critical,
            Malware = [new MalwareFinding { Path = "/var/www/html/shell.php", Engines = ["webshell"], Signatures = ["php-eval"], Category = "webshell", Sha256 = new string('a', 64) }],
        };
        var web = Container("c0ffee0000000000000001", "web", "registry.example/shop:1", server.ShopDigest, []);
        var db = Container("c0ffee0000000000000002", "db" + Hostile, "registry.example/db" + Hostile, "sha256:" + new string('d', 64), []);
        var job = Container("c0ffee0000000000000003", "job", "registry.example/job:1", null, []);
        await store.RecordRuntimeRoundAsync(RuntimeSource, FirstRound, [web, db, job], 1, ct);
        var drifted = Container(web.ContainerId, "web", web.Image!, server.ShopDigest, [shell]);
        await store.RecordRuntimeRoundAsync(RuntimeSource, FirstRound.AddMinutes(1), [drifted, db], 0, ct);
        await store.RecordRuntimeRoundAsync(RuntimeSource, FirstRound.AddMinutes(2), [drifted, db], 0, ct);
    }

    /// <summary>An allowed decision on the scanned shop image, a denied one full of markup, and <paramref name="bulk"/> allowed jobs.</summary>
    public static async Task RecordDecisionsAsync(ConsoleServer server, int bulk, CancellationToken ct)
    {
        var log = server.Services.GetRequiredService<AdmissionDecisionLog>();
        var now = server.Clock.GetUtcNow();
        var entries = new List<AdmissionDecisionEntry>
        {
            new(log.NewId(0), now, "uid-1", "system:serviceaccount:kube-system:replicaset-controller", "shop", "Pod", "web-1", "CREATE", "web",
                "registry.example/shop:1", server.ShopDigest, true, "allowed", [], ["image registry.example/shop:1: 1 high vulnerability (rule warn-high)"], "scan-1", false),
            new(log.NewId(1), now, "uid-2", "alice" + Hostile, "prod" + Hostile, "Deployment", "api", "CREATE", "api",
                "untrusted.example/api" + Hostile, null, false, "denied", ["image untrusted.example/api is denied by rule trusted-registries: registry not in the trust policy"], [], null, false),
        };
        entries.AddRange(Enumerable.Range(0, bulk).Select(i => new AdmissionDecisionEntry(log.NewId(2 + i), now, $"uid-bulk-{i}", "ci", "batch", "Job", $"job-{i}", "CREATE", "job",
            "registry.example/job:1", null, true, "allowed", [], [], null, true)));
        await log.WriteAsync(entries, ct);
    }

    private static RuntimeContainerRecord Container(string id, string name, string image, string? digest, IReadOnlyList<DriftFinding> drift)
    {
        var root = new PrivilegeFinding { Id = "runs-as-root", Title = "Runs as root", Severity = Severity.Medium, Detail = "user 0" };
        var report = new ContainerReport { Id = id, Runtime = "podman", Name = name, Image = image, ImageDigest = digest, Drift = drift, Privileges = [root], MutableImageReference = true };
        return new RuntimeContainerRecord
        {
            Source = RuntimeSource, Runtime = "podman", ContainerId = id, Name = name, Image = image, ImageDigest = digest, Drifted = drift.Count > 0, DriftFiles = drift.Count,
            DriftDigest = drift.Count > 0 ? "sha256:drift-1" : null, Severity = drift.Count > 0 ? "CRITICAL" : "MEDIUM", MutableImageReference = true,
            ReportJson = JsonSerializer.Serialize(report, RuntimeJson),
        };
    }
}
