using System.Text.Json;
using Comb.Contracts;

namespace Comb.Analyzers.Language.Php;

internal static class Composer
{
    public static string Purl(string name, string version)
    {
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        return slash > 0
            ? PackageUrl.Create(PackageTypes.Composer, name[..slash], name[(slash + 1)..], version)
            : PackageUrl.Create(PackageTypes.Composer, null, name, version);
    }

    public static Package? Read(ParseContext context, JsonElement entry, bool dev, IReadOnlyDictionary<string, string> versions)
    {
        var name = entry.Str("name");
        var version = entry.Str("version");
        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(version))
        {
            return null;
        }

        var dependsOn = entry.Obj("require").Props()
            .Where(r => versions.ContainsKey(r.Name))
            .Select(r => $"{r.Name}@{versions[r.Name]}")
            .ToList();
        return context.Package(PackageTypes.Composer, name, version, Purl(name, version), Json.Licenses(entry.Prop("license")), dev: dev, dependsOn: dependsOn);
    }

    public static Dictionary<string, string> Versions(IEnumerable<JsonElement> entries) =>
        entries.Where(e => e.Str("name") is not null && e.Str("version") is not null)
            .GroupBy(e => e.Str("name")!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Str("version")!, StringComparer.Ordinal);
}

/// <summary>composer.lock: "packages" (runtime) and "packages-dev".</summary>
internal sealed class ComposerLockAnalyzer : LanguageAnalyzer
{
    public override string Id => "composer-lock";

    public override int Version => 1;

    protected override string Kind => "composer";

    public override bool IsRequired(FileMeta meta) => PathMatch.FileName(meta.Path) == "composer.lock" && !PathMatch.HasSegment(meta.Path, "vendor");

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        using var doc = await context.ReadJsonAsync(cancellationToken).ConfigureAwait(false);
        var prod = doc.RootElement.Arr("packages").Items().ToList();
        var dev = doc.RootElement.Arr("packages-dev").Items().ToList();
        var versions = Composer.Versions(prod.Concat(dev));
        return prod.Select(e => Composer.Read(context, e, false, versions))
            .Concat(dev.Select(e => Composer.Read(context, e, true, versions)))
            .OfType<Package>()
            .ToList();
    }
}

/// <summary>vendor/composer/installed.json: an array (Composer 1) or {"packages": [...]} (Composer 2).</summary>
internal sealed class ComposerInstalledAnalyzer : LanguageAnalyzer
{
    public override string Id => "composer-installed";

    public override int Version => 1;

    protected override string Kind => "composer-vendor";

    public override bool IsRequired(FileMeta meta) => meta.Path.EndsWith("vendor/composer/installed.json", StringComparison.Ordinal);

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        using var doc = await context.ReadJsonAsync(cancellationToken).ConfigureAwait(false);
        var root = doc.RootElement;
        var entries = root.ValueKind == JsonValueKind.Array ? root.EnumerateArray().ToList() : root.Arr("packages").Items().ToList();
        var devNames = root.Arr("dev-package-names").Items().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToHashSet(StringComparer.Ordinal);
        var versions = Composer.Versions(entries);
        return entries.Select(e => Composer.Read(context, e, devNames.Contains(e.Str("name") ?? ""), versions)).OfType<Package>().ToList();
    }
}
