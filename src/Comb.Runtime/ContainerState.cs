using System.Text.Json;
using Comb.Contracts;
using Comb.Image.Stores;

namespace Comb.Runtime;

/// <summary>One container as the runtime's state knows it: whether it runs, its process, its OCI spec.</summary>
public sealed record ContainerState
{
    public required string Id { get; init; }
    public string? Name { get; init; }
    public required bool Running { get; init; }
    public int? Pid { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public string? RawImageName { get; init; }
    public bool Privileged { get; init; }

    /// <summary>The OCI runtime spec the container was started with (process, mounts, namespaces, seccomp).</summary>
    public JsonElement? Spec { get; init; }
}

/// <summary>
/// Reads container state without asking the daemon: Podman's libpod state database (STORAGE/libpod/bolt_state.db,
/// buckets ctr/ID/{config,state}); for stores without it (CRI-O), a container counts as running when the pid in
/// RUNROOT/DRIVER-containers/ID/userdata/pidfile is alive, and its spec is read from userdata/config.json.
/// </summary>
public static class ContainerStateReader
{
    // libpod's define.ContainerStateRunning.
    private const int LibpodRunning = 3;

    public static async Task<IReadOnlyDictionary<string, ContainerState>> ReadAsync(ContainersStorage store, IEnumerable<ContainersStorage.StoredContainer> containers, string runRoot, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, ContainerState>(StringComparer.Ordinal);
        var libpod = Path.Combine(store.Root, "libpod", "bolt_state.db");
        if (File.Exists(libpod))
        {
            var bolt = await BoltReader.OpenAsync(libpod, cancellationToken).ConfigureAwait(false);
            foreach (var (id, bucket) in bolt.Root.Bucket("ctr")?.Buckets() ?? [])
            {
                // The spec given to the OCI runtime (with the mounts libpod adds at start) beats the one libpod stored.
                var state = FromLibpod(id, bucket, libpod);
                result[id] = await ReadSpecAsync(store, id, cancellationToken).ConfigureAwait(false) is { } spec ? state with { Spec = spec } : state;
            }
        }

        foreach (var container in containers.Where(c => !result.ContainsKey(c.Id)))
        {
            result[container.Id] = await FromFilesAsync(store, container, runRoot, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    private static ContainerState FromLibpod(string id, BoltBucket bucket, string what)
    {
        try
        {
            using var config = JsonDocument.Parse(bucket.Get("config") ?? "{}"u8.ToArray());
            using var state = JsonDocument.Parse(bucket.Get("state") ?? "{}"u8.ToArray());
            var c = config.RootElement;
            var s = state.RootElement;
            var pid = s.TryGetProperty("pid", out var p) && p.TryGetInt32(out var n) && n > 0 ? n : (int?)null;
            var running = s.TryGetProperty("state", out var st) && st.TryGetInt32(out var code) && code == LibpodRunning && IsAlive(pid);
            return new ContainerState
            {
                Id = id,
                Name = Text(c, "name"),
                Running = running,
                Pid = running ? pid : null,
                StartedAt = s.TryGetProperty("startedTime", out var t) && t.TryGetDateTimeOffset(out var started) ? started : null,
                RawImageName = Text(c, "rootfsImageName") ?? Text(c, "RawImageName"),
                Privileged = c.TryGetProperty("privileged", out var priv) && priv.ValueKind == JsonValueKind.True,
                Spec = c.TryGetProperty("spec", out var spec) ? spec.Clone() : null,
            };
        }
        catch (JsonException ex)
        {
            throw new CombInputException($"{what}: container {id} has invalid state: {ex.Message}", ex);
        }
    }

    private static async Task<ContainerState> FromFilesAsync(ContainersStorage store, ContainersStorage.StoredContainer container, string runRoot, CancellationToken cancellationToken)
    {
        var pidFile = Path.Combine(runRoot, store.Driver + "-containers", container.Id, "userdata", "pidfile");
        int? pid = File.Exists(pidFile) && int.TryParse((await File.ReadAllTextAsync(pidFile, cancellationToken).ConfigureAwait(false)).Trim(), out var n) ? n : null;
        var spec = await ReadSpecAsync(store, container.Id, cancellationToken).ConfigureAwait(false);
        var running = IsAlive(pid);
        return new ContainerState
        {
            Id = container.Id,
            Name = container.Names?.FirstOrDefault(),
            Running = running,
            Pid = running ? pid : null,
            Spec = spec,
        };
    }

    private static async Task<JsonElement?> ReadSpecAsync(ContainersStorage store, string id, CancellationToken cancellationToken)
    {
        if (id.Length == 0 || !id.All(char.IsAsciiLetterOrDigit))
        {
            throw new CombInputException($"{store.Root}: invalid container id '{id}'");
        }

        var configFile = Path.Combine(store.Root, store.Driver + "-containers", id, "userdata", "config.json");
        if (!File.Exists(configFile))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(await File.ReadAllBytesAsync(configFile, cancellationToken).ConfigureAwait(false));
            return doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new CombInputException($"{configFile}: not a valid OCI runtime spec: {ex.Message}", ex);
        }
    }

    private static bool IsAlive(int? pid) => pid is > 0 && Directory.Exists($"/proc/{pid}");

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
