using System.Text.Json;

namespace Comb.Analyzers.Tests.PeerFixtures;

/// <summary>One peer-fixture case: its input folder and, unless held out, what the peer asserts.</summary>
internal sealed record PeerCase(string Format, string Name, string InputDir, PeerExpectation? Expected)
{
    public string Key => $"{Format}/{Name}";

    public static IReadOnlyList<PeerCase> Load(string root)
    {
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "index.json")));
        var cases = new List<PeerCase>();
        foreach (var c in index.RootElement.GetProperty("cases").EnumerateArray())
        {
            var format = c.GetProperty("format").GetString()!;
            var name = c.GetProperty("case").GetString()!;
            var dir = Path.Combine(root, format, name);
            var expectedPath = Path.Combine(dir, "expected.json");
            cases.Add(new PeerCase(format, name, Path.Combine(dir, "input"),
                File.Exists(expectedPath) ? PeerExpectation.Read(expectedPath) : null));
        }

        return cases;
    }
}

internal sealed record ExpectedPackage(string Name, string Version, string? Relationship, bool Dev);

/// <summary>The parts of expected.json the comparison uses.</summary>
internal sealed record PeerExpectation(string Peer, IReadOnlyList<string>? ScannedFiles, IReadOnlyList<ExpectedPackage> Packages, bool HasOs, bool IncludesDev)
{
    public static PeerExpectation Read(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        var peer = root.GetProperty("peer").GetString() ?? "";
        IReadOnlyList<string>? scanned = root.TryGetProperty("scanned_files", out var s) && s.ValueKind == JsonValueKind.Array
            ? [.. s.EnumerateArray().Select(x => x.GetString()!)]
            : null;
        var packages = new List<ExpectedPackage>();
        if (root.TryGetProperty("packages", out var pk) && pk.ValueKind == JsonValueKind.Array)
        {
            foreach (var p in pk.EnumerateArray())
            {
                packages.Add(new ExpectedPackage(Text(p, "name"), ExpectedVersion(peer, p),
                    p.TryGetProperty("relationship", out var rel) ? rel.GetString() : null,
                    p.TryGetProperty("dev", out var dev) && dev.ValueKind == JsonValueKind.True));
            }
        }

        var hasOs = root.TryGetProperty("os", out var os) && os.ValueKind != JsonValueKind.Null;
        var note = root.TryGetProperty("note", out var n) ? n.GetString() ?? "" : "";
        var includesDev = note.Contains("IncludeDevDependencies=true", StringComparison.Ordinal);
        return new PeerExpectation(peer, scanned, packages, hasOs, includesDev);
    }

    /// <summary>
    /// The full version string as the package database holds it. Peers split some versions into parts:
    /// trivy's dpkg epoch/version/release, go-rpmdb's VERSION and RELEASE tags.
    /// </summary>
    private static string ExpectedVersion(string peer, JsonElement p)
    {
        var version = Text(p, "version");
        var release = Text(p, "release");
        var epoch = p.TryGetProperty("epoch", out var e) && e.ValueKind == JsonValueKind.Number && e.GetInt32() != 0 ? e.GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        if (release.Length > 0 && !version.EndsWith("-" + release, StringComparison.Ordinal))
        {
            version = $"{version}-{release}";
        }

        // rpm peers report the epoch apart and our comparison ignores rpm epochs (see PeerComparison); dpkg keeps it in the version.
        if (epoch is not null && peer == "trivy" && p.TryGetProperty("id", out var id) && id.GetString() is { } idText && idText.Contains(':' + version, StringComparison.Ordinal))
        {
            version = $"{epoch}:{version}";
        }

        return version;
    }

    private static string Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
}
