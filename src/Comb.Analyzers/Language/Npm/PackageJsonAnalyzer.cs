using System.Text.Json;
using Comb.Contracts;

namespace Comb.Analyzers.Language.Npm;

/// <summary>
/// package.json: an installed package inside node_modules, or a project's own manifest elsewhere
/// (reported as the root/workspace package so lock-file dependencies have a parent).
/// </summary>
internal sealed class PackageJsonAnalyzer : LanguageAnalyzer
{
    public override string Id => "node-package-json";

    public override int Version => 1;

    protected override string Kind => "node-pkg";

    public override bool IsRequired(FileMeta meta) =>
        PathMatch.FileName(meta.Path) == "package.json"
        && !PathMatch.HasSegment(meta.Path, ".yarn") && !meta.Path.Contains("/test/fixtures/", StringComparison.Ordinal);

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        using var doc = await context.ReadJsonAsync(cancellationToken).ConfigureAwait(false);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("top level is not an object");
        }

        var name = root.Str("name");
        if (string.IsNullOrWhiteSpace(name))
        {
            return [];
        }

        var version = root.Str("version") ?? "";
        var installed = PathMatch.HasSegment(context.Path, "node_modules");
        var licenses = Json.Licenses(root.Prop("license") ?? root.Prop("licenses"));
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.Prop("author") is { } author && AuthorText(author) is { Length: > 0 } a)
        {
            metadata["author"] = a;
        }

        if (root.Prop("homepage") is { ValueKind: JsonValueKind.String } home)
        {
            metadata["homepage"] = home.GetString()!;
        }

        if (root.Bool("private"))
        {
            metadata["private"] = "true";
        }

        return [context.Package(PackageTypes.Npm, name.Trim(), version.Trim(), NpmNames.Purl(name.Trim(), version.Trim()), licenses,
            relationship: installed ? null : "root", metadata: metadata)];
    }

    private static string? AuthorText(JsonElement author) => author.ValueKind switch
    {
        JsonValueKind.String => author.GetString(),
        JsonValueKind.Object => string.Join(' ', new[] { author.Str("name"), author.Str("email") is { } e ? $"<{e}>" : null }.OfType<string>()),
        _ => null,
    };
}
