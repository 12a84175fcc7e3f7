using System.Globalization;
using Comb.Contracts;

namespace Comb.Checks.Config;

/// <summary>Runs every image check over an inventory; pure, so tests feed crafted images and a fixed clock.</summary>
public sealed class ImageChecks
{
    public const int DefaultMaxAgeDays = 365;

    private readonly EolTable _eol;
    private readonly DateTimeOffset _now;

    public ImageChecks(EolTable eol, DateTimeOffset now)
    {
        _eol = eol;
        _now = now;
    }

    public IReadOnlyList<ConfigFinding> Run(ImageInventory inventory, ScanOptions options)
    {
        var image = inventory.Image;
        var findings = new List<ConfigFinding>();
        findings.AddRange(RootUser(image));
        findings.AddRange(Healthcheck(image));
        findings.AddRange(SecretEnv(image));
        findings.AddRange(History(image));
        findings.AddRange(ExposedSsh(image));
        findings.AddRange(SetuidInOwnLayers(inventory, options));
        findings.AddRange(PackageCaches(inventory));
        findings.AddRange(WorldWritable(inventory));
        findings.AddRange(Unpinned(image));
        findings.AddRange(Age(image, options));
        findings.AddRange(EndOfLife(inventory));
        return findings;
    }

    internal static IEnumerable<ConfigFinding> RootUser(ImageMetadata image)
    {
        var user = image.Config.Config?.User?.Trim() ?? "";
        var name = user.Split(':')[0];
        if (user.Length == 0)
        {
            yield return CheckCatalog.RootUser.Finding("No USER is set, so the container runs as root.", "USER");
        }
        else if (name is "root" or "0")
        {
            yield return CheckCatalog.RootUser.Finding($"USER is \"{user}\", which is root.", "USER");
        }
    }

    internal static IEnumerable<ConfigFinding> Healthcheck(ImageMetadata image)
    {
        var test = image.Config.Config?.Healthcheck?.Test;
        if (test is null || test.Count == 0 || test[0] == "NONE")
        {
            yield return CheckCatalog.NoHealthcheck.Finding(test is { Count: > 0 } ? "HEALTHCHECK NONE disables the health check." : "The image defines no HEALTHCHECK.", "config.json");
        }
    }

    internal static IEnumerable<ConfigFinding> SecretEnv(ImageMetadata image)
    {
        foreach (var env in image.Config.Config?.Env ?? [])
        {
            var eq = env.IndexOf('=');
            var (name, value) = eq < 0 ? (env, "") : (env[..eq], env[(eq + 1)..]);
            if (value.Length > 0 && SecretNames.LooksSecret(name))
            {
                yield return CheckCatalog.SecretEnv.Finding($"ENV {name} looks like a secret (value {SecretNames.Mask(value)}).", "ENV");
            }
        }

        var history = image.Config.History ?? [];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < history.Count; i++)
        {
            var step = HistoryStep.Parse(history[i].CreatedBy ?? "");
            var args = step.Instruction == "ARG" ? ParseArgInstruction(step.Arguments) : step.BuildArgs;
            foreach (var (name, value) in args)
            {
                if (value.Length > 0 && SecretNames.LooksSecret(name) && seen.Add(name + "=" + value))
                {
                    yield return CheckCatalog.SecretEnv.Finding($"Build ARG {name} looks like a secret and is recorded in the history (value {SecretNames.Mask(value)}).", $"history[{i}]");
                }
            }
        }
    }

    internal static IReadOnlyList<KeyValuePair<string, string>> ParseArgInstruction(string arguments) =>
        ShellCommandRules.Words(arguments)
            .Select(w => w.IndexOf('=') is var eq and > 0 ? new KeyValuePair<string, string>(w[..eq], w[(eq + 1)..]) : new(w, ""))
            .ToList();

    /// <summary>Build steps recorded in the history: remote ADD and risky RUN commands.</summary>
    internal static IEnumerable<ConfigFinding> History(ImageMetadata image)
    {
        var history = image.Config.History ?? [];
        var layerByHistory = LayerDiffIdByHistory(image);
        for (var i = 0; i < history.Count; i++)
        {
            var step = HistoryStep.Parse(history[i].CreatedBy ?? "");
            layerByHistory.TryGetValue(i, out var diffId);
            var location = $"history[{i}]";
            if (step.Instruction == "ADD" && RemoteSource(step.Arguments) is { } url)
            {
                yield return CheckCatalog.AddRemote.Finding($"ADD downloads {url} at build time.", location, diffId);
            }

            if (step.Instruction == "RUN")
            {
                foreach (var hit in ShellCommandRules.Analyze(step.Arguments, dockerfileOnly: false))
                {
                    yield return hit.Check.Finding(hit.Message, location, diffId);
                }
            }
        }
    }

    internal static string? RemoteSource(string addArguments)
    {
        foreach (var word in ShellCommandRules.Words(addArguments.TrimStart('[').TrimEnd(']').Replace(",", " ", StringComparison.Ordinal)))
        {
            if (word.StartsWith("--", StringComparison.Ordinal))
            {
                continue;
            }

            if (word.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || word.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
                || word.StartsWith("git@", StringComparison.Ordinal))
            {
                return word;
            }
        }

        return null;
    }

    internal static IEnumerable<ConfigFinding> ExposedSsh(ImageMetadata image)
    {
        foreach (var port in (image.Config.Config?.ExposedPorts?.Keys ?? Enumerable.Empty<string>()).Order(StringComparer.Ordinal))
        {
            if (port is "22" or "22/tcp")
            {
                yield return CheckCatalog.SshPort.Finding($"The image exposes port {port}.", "config.json");
            }
        }
    }

    internal static IEnumerable<ConfigFinding> SetuidInOwnLayers(ImageInventory inventory, ScanOptions options)
    {
        var image = inventory.Image;
        var baseLayers = BaseBoundary.BaseLayerCount(image, options);
        var visible = inventory.Notes.Where(n => n.Kind is FileNoteKinds.Setuid or FileNoteKinds.Setgid)
            .Select(n => (n.Kind, n.Path)).ToHashSet();
        if (inventory.LayerNotes.Count == 0)
        {
            // No per-layer record: every visible note counts, without a layer to blame.
            foreach (var note in inventory.Notes.Where(n => n.Kind is FileNoteKinds.Setuid or FileNoteKinds.Setgid).OrderBy(n => n.Path, StringComparer.Ordinal))
            {
                yield return CheckCatalog.SetuidFiles.Finding(SetuidMessage(note, null), note.Path);
            }

            yield break;
        }

        foreach (var layerNote in inventory.LayerNotes
            .Where(n => n.Note.Kind is FileNoteKinds.Setuid or FileNoteKinds.Setgid && n.LayerIndex >= baseLayers && visible.Contains((n.Note.Kind, n.Note.Path)))
            .OrderBy(n => n.LayerIndex).ThenBy(n => n.Note.Path, StringComparer.Ordinal))
        {
            yield return CheckCatalog.SetuidFiles.Finding(SetuidMessage(layerNote.Note, layerNote.LayerIndex), layerNote.Note.Path, layerNote.LayerDiffId);
        }
    }

    private static string SetuidMessage(FileNote note, int? layer)
    {
        var mode = Convert.ToString(note.Mode & 0xFFF, 8).PadLeft(4, '0');
        var where = layer is { } l ? $" in layer {l}" : "";
        return $"/{note.Path} has the {note.Kind} bit (mode {mode}, {note.Detail}){where}.";
    }

    /// <summary>One finding per layer and cache kind: the cache stays in that layer even if a later one deletes it.</summary>
    internal static IEnumerable<ConfigFinding> PackageCaches(ImageInventory inventory)
    {
        var perLayer = inventory.LayerNotes.Count > 0
            ? inventory.LayerNotes.Where(n => n.Note.Kind == FileNoteKinds.PackageCache).Select(n => (Layer: (int?)n.LayerIndex, LayerDiffId: (string?)n.LayerDiffId, n.Note))
            : inventory.Notes.Where(n => n.Kind == FileNoteKinds.PackageCache).Select(n => (Layer: (int?)null, LayerDiffId: (string?)null, Note: n));
        foreach (var group in perLayer.GroupBy(x => (x.Layer, x.LayerDiffId, Cache: x.Note.Detail ?? "cache")).OrderBy(g => g.Key.Layer).ThenBy(g => g.Key.Cache, StringComparer.Ordinal))
        {
            var files = group.OrderBy(x => x.Note.Path, StringComparer.Ordinal).ToList();
            var bytes = files.Sum(f => f.Note.Size);
            var where = group.Key.Layer is { } l ? $"Layer {l} keeps" : "The image keeps";
            var first = files[0].Note.Path;
            var directory = first.Contains('/', StringComparison.Ordinal) ? first[..first.LastIndexOf('/')] : first;
            yield return CheckCatalog.PackageCache.Finding(
                $"{where} {files.Count} {group.Key.Cache} cache file(s), {bytes.ToString(CultureInfo.InvariantCulture)} bytes, e.g. /{first}.",
                directory, group.Key.LayerDiffId);
        }
    }

    internal static IEnumerable<ConfigFinding> WorldWritable(ImageInventory inventory)
    {
        var layerOf = inventory.LayerNotes.Where(n => n.Note.Kind == FileNoteKinds.WorldWritable)
            .GroupBy(n => n.Note.Path, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.MaxBy(n => n.LayerIndex)!.LayerDiffId, StringComparer.Ordinal);
        foreach (var note in inventory.Notes.Where(n => n.Kind == FileNoteKinds.WorldWritable).OrderBy(n => n.Path, StringComparer.Ordinal))
        {
            var mode = Convert.ToString(note.Mode & 0xFFF, 8).PadLeft(4, '0');
            yield return CheckCatalog.WorldWritable.Finding($"/{note.Path} ({note.Detail}) is writable by every user (mode {mode}).", note.Path, layerOf.GetValueOrDefault(note.Path));
        }
    }

    internal static IEnumerable<ConfigFinding> Unpinned(ImageMetadata image)
    {
        if (image.SourceKind != "registry")
        {
            yield break; // archives and layouts are pinned by their content
        }

        var reference = image.Reference;
        if (reference.Contains("@sha256:", StringComparison.Ordinal) || reference.Contains("@sha512:", StringComparison.Ordinal))
        {
            yield break;
        }

        if (image.Tag is null or "latest")
        {
            var how = image.Tag is null ? "has no tag or digest (which means latest)" : "uses the tag latest";
            yield return CheckCatalog.LatestTag.Finding($"The reference {reference} {how}.", "config.json");
        }
    }

    internal IEnumerable<ConfigFinding> Age(ImageMetadata image, ScanOptions options)
    {
        if (image.Config.Created is not { } created || created.Year < 1990)
        {
            yield break; // reproducible builds set the epoch: no age to judge
        }

        var maxDays = options.ConfigChecks.MaxImageAgeDays is > 0 and var limit ? limit : DefaultMaxAgeDays;

        var age = _now - created;
        if (age.TotalDays > maxDays)
        {
            yield return CheckCatalog.ImageAge.Finding(
                $"The image was built on {created.UtcDateTime:yyyy-MM-dd}, {(int)age.TotalDays} days ago (limit {maxDays} days).", "config.json");
        }
    }

    internal IEnumerable<ConfigFinding> EndOfLife(ImageInventory inventory)
    {
        if (inventory.Os is not { } os)
        {
            yield break;
        }

        var today = DateOnly.FromDateTime(_now.UtcDateTime);
        var (release, state) = _eol.Lookup(os, today);
        if (release is null)
        {
            yield break;
        }

        var label = $"{os.Family} {release.Name ?? release.Version}";
        var source = $"(life-cycle table written {_eol.Written:yyyy-MM-dd})";
        if (state == SupportState.EndOfLife)
        {
            var until = release.Extended is { } ext ? $"; extended support also ended {ext:yyyy-MM-dd}" : "";
            yield return CheckCatalog.EndOfLife.Finding($"{label} left security support on {release.Security:yyyy-MM-dd}{until} {source}.", "os-release");
        }
        else if (state == SupportState.ExtendedOnly)
        {
            yield return CheckCatalog.EndOfLife.Finding(
                $"{label} left standard security support on {release.Security:yyyy-MM-dd}; only paid/volunteer extended support remains until {release.Extended:yyyy-MM-dd} {source}.",
                "os-release", severity: Severity.Medium);
        }
    }

    private static Dictionary<int, string> LayerDiffIdByHistory(ImageMetadata image)
    {
        var map = new Dictionary<int, string>();
        var indexes = BaseBoundary.HistoryIndexByLayer(image);
        for (var layer = 0; layer < indexes.Count && layer < image.Layers.Count; layer++)
        {
            map[indexes[layer]] = image.Layers[layer].DiffId;
        }

        return map;
    }
}
