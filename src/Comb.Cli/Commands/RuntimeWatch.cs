using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Comb.Contracts;
using Comb.Engine;
using Comb.Runtime;
using Comb.Storage;

namespace Comb.Cli.Commands;

/// <summary>What a runtime watch reads and where it records.</summary>
internal sealed record RuntimeWatchOptions
{
    public required RuntimeScanOptions Runtime { get; init; }

    /// <summary>Image scans: cache, store, store roots (containerd root for containerd images).</summary>
    public required ScanOptions Scan { get; init; }
    public required TimeSpan Interval { get; init; }

    /// <summary>How long to keep watching; null: until stopped.</summary>
    public TimeSpan? Duration { get; init; }
}

/// <summary>
/// comb runtime watch: every interval, the runtime scan of the running containers; each image digest not yet in the
/// store is scanned once (then found by its digest in later rounds, so an unchanged image is never scanned again);
/// every round is recorded in the store, one row per container updated in place.
/// </summary>
internal sealed class RuntimeWatch(RuntimeScanner runtime, ImageScanner images, ScanStores stores, TextWriter output, TextWriter error)
{
    // Digests this process tried and could not scan, so a broken image is not retried every round.
    private readonly HashSet<string> _failed = new(StringComparer.Ordinal);
    private ImageScans? _scans;

    public async Task<int> RunAsync(RuntimeWatchOptions options, CancellationToken cancellationToken)
    {
        var store = await stores.GetAsync(ScanRecorder.LocationOf(options.Scan), cancellationToken).ConfigureAwait(false);
        var until = options.Duration is { } d ? DateTimeOffset.UtcNow + d : (DateTimeOffset?)null;
        var round = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var started = DateTimeOffset.UtcNow;
            try
            {
                await RoundAsync(++round, store, options, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // A signal during a round is the normal end of a watch; the round is not recorded.
                break;
            }
            catch (CombInputException ex) when (round > 1)
            {
                // A runtime that goes away between rounds is reported; the watch goes on. The first round's errors end it.
                await error.WriteLineAsync($"round {round}: error: {ex.Message}").ConfigureAwait(false);
            }

            var next = started + options.Interval;
            if (until is { } end && next > end)
            {
                break;
            }

            var wait = next - DateTimeOffset.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        return ExitCodes.Success;
    }

    private async Task RoundAsync(int round, ScanStore store, RuntimeWatchOptions options, CancellationToken cancellationToken)
    {
        var report = await runtime.ScanAsync(options.Runtime, cancellationToken).ConfigureAwait(false);
        var scans = _scans ??= new ImageScans(store);
        scans.NewRound();
        var scannedNow = 0;
        foreach (var group in report.Containers.Where(c => c.ImageDigest is not null).GroupBy(c => c.ImageDigest!, StringComparer.Ordinal))
        {
            if (await scans.LatestAsync(group.Key, cancellationToken).ConfigureAwait(false) is not null || _failed.Contains(group.Key))
            {
                continue;
            }

            var first = group.First();
            var (reference, scanOptions) = ImageReferenceOf(first, options.Scan);
            try
            {
                var scanned = await images.ScanAsync(reference, scanOptions, null, cancellationToken).ConfigureAwait(false);
                scans.Remember(group.Key, scanned);
                scannedNow++;
            }
            catch (CombInputException ex)
            {
                _failed.Add(group.Key);
                await error.WriteLineAsync($"round {round}: image {first.Image} ({group.Key}) of container {first.Name ?? first.Id} not scanned: {ex.Message}").ConfigureAwait(false);
            }
        }

        var now = DateTimeOffset.UtcNow;
        var containers = new List<ContainerReport>();
        foreach (var c in report.Containers)
        {
            containers.Add(c with { ImageScan = c.ImageDigest is null ? null : await scans.LatestAsync(c.ImageDigest, cancellationToken).ConfigureAwait(false) });
        }

        // Every source scanned is recorded, also one with no running container left, so its old containers are marked stopped.
        var sources = new Dictionary<string, List<ContainerReport>>(StringComparer.Ordinal);
        if (report.StorageRoot is { } root)
        {
            sources[Source("podman", root, null)] = [];
        }

        if (report.ContainerdAddress is { } address)
        {
            sources[Source("containerd", address, options.Runtime.ContainerdNamespace)] = [];
        }

        foreach (var c in containers)
        {
            sources[c.Runtime == "containerd" ? Source("containerd", report.ContainerdAddress!, options.Runtime.ContainerdNamespace) : Source("podman", report.StorageRoot!, null)].Add(c);
        }

        foreach (var (source, list) in sources)
        {
            await store.RecordRuntimeRoundAsync(source, now, [.. list.Select(c => RecordOf(source, c))], scannedNow, cancellationToken).ConfigureAwait(false);
        }

        await output.WriteLineAsync($"{now:yyyy-MM-ddTHH:mm:ssZ} round {round}: {containers.Count} running, {containers.Count(c => c.Drifted)} drifted, {scannedNow} image(s) scanned").ConfigureAwait(false);
        foreach (var c in containers.Where(c => c.Drifted))
        {
            await output.WriteLineAsync($"  drifted: {c.Name ?? c.Id} ({c.Runtime}{(c.Namespace is null ? "" : "/" + c.Namespace)}): {c.Drift.Count} file(s), {c.Drift.Count(d => d.Malware.Count > 0)} with malware").ConfigureAwait(false);
        }
    }

    /// <summary>The host and the runtime's location: two hosts watching the same path are two sources.</summary>
    private static string Source(string runtime, string location, string? ns) =>
        $"{Environment.MachineName}:{runtime}:{location}{(ns is null ? "" : "#" + ns)}";

    /// <summary>How the image of a running container is read: from the store it runs from, by its digest.</summary>
    private static (string Reference, ScanOptions Options) ImageReferenceOf(ContainerReport c, ScanOptions options)
    {
        if (c.Runtime == "containerd")
        {
            var name = c.Image ?? throw new CombInputException($"container {c.Id} names no image");
            var slash = name.LastIndexOf('/');
            var colon = name.LastIndexOf(':');
            var at = name.IndexOf('@', StringComparison.Ordinal);
            var repository = at >= 0 ? name[..at] : colon > slash ? name[..colon] : name;
            return ($"containerd:{repository}@{c.ImageDigest}", options with { ContainerdNamespace = c.Namespace ?? options.ContainerdNamespace });
        }

        return ("containers-storage:" + (c.ImageId ?? "").Replace("sha256:", "", StringComparison.Ordinal), options);
    }

    internal static RuntimeContainerRecord RecordOf(string source, ContainerReport c)
    {
        var worst = c.Drift.Select(d => d.Severity).Concat(c.Privileges.Select(p => p.Severity)).DefaultIfEmpty(Severity.Unknown).Max();
        return new RuntimeContainerRecord
        {
            Source = source,
            Runtime = c.Runtime,
            Namespace = c.Namespace,
            ContainerId = c.Id,
            Name = c.Name,
            Image = c.Image,
            ImageDigest = c.ImageDigest,
            ImageScanId = c.ImageScan?.ScanId,
            Drifted = c.Drifted,
            DriftFiles = c.Drift.Count,
            DriftDigest = c.Drifted ? DriftDigest(c) : null,
            Severity = worst == Severity.Unknown ? null : worst.ToUpperName(),
            MutableImageReference = c.MutableImageReference,
            ReportJson = JsonSerializer.Serialize(c, RuntimeCommands.Json),
        };
    }

    /// <summary>The same files drifted the same way give the same digest, so a drift seen for an hour keeps one start time.</summary>
    private static string DriftDigest(ContainerReport c)
    {
        var text = string.Join('\n', c.Drift.Select(d => $"{d.Path}\t{d.Change}\t{d.Sha256}\t{d.Mode}"));
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}

/// <summary>The newest stored scan of an image digest, looked up once per round; scans made by this process are kept across rounds.</summary>
internal sealed class ImageScans(ScanStore store)
{
    private readonly Dictionary<string, ImageScanRef?> _known = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ImageScanRef> _made = new(StringComparer.Ordinal);

    public void NewRound() => _known.Clear();

    public async Task<ImageScanRef?> LatestAsync(string digest, CancellationToken cancellationToken)
    {
        if (_made.TryGetValue(digest, out var made))
        {
            // Later rounds name it as stored, not as scanned now.
            return _known.ContainsKey(digest) ? made : made with { ScannedNow = false };
        }

        if (!_known.TryGetValue(digest, out var found))
        {
            var latest = await store.ListAsync(new HistoryQuery { Image = digest, Limit = 1 }, cancellationToken).ConfigureAwait(false);
            found = latest is [var s]
                ? new ImageScanRef { ScanId = s.Id, ScannedAt = s.CreatedAt, Critical = s.Critical, High = s.High, Malware = s.Malware, Secrets = s.Secrets }
                : null;
            _known[digest] = found;
        }

        return found;
    }

    /// <summary>A scan made this round: the container maps to it even if the store keys the image by another digest.</summary>
    public void Remember(string digest, ScanReport report) => _known[digest] = _made[digest] = new ImageScanRef
    {
        ScanId = report.ScanId ?? "",
        ScannedAt = report.CreatedAt,
        Critical = report.Vulnerabilities.Count(v => v.Severity == Severity.Critical),
        High = report.Vulnerabilities.Count(v => v.Severity == Severity.High),
        Malware = report.Malware.Count,
        Secrets = report.Secrets.Count,
        ScannedNow = true,
    };
}
