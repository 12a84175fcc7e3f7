using System.Text.Json;

namespace Comb.Image.Registry;

/// <summary>Enumeration: the catalog of repositories and a repository's tags, page by page as the registry links them.</summary>
public sealed partial class RegistryClient
{
    /// <summary>Scope a token needs to list the catalog.</summary>
    public const string CatalogScope = "registry:catalog:*";

    /// <summary>Every repository in <c>/v2/_catalog</c>, following <c>Link: rel="next"</c>; <paramref name="pageSize"/> asks for pages of that size (<c>n</c>).</summary>
    public Task<IReadOnlyList<string>> ListRepositoriesAsync(int? pageSize, CancellationToken cancellationToken) =>
        ListPagedAsync("/v2/_catalog" + PageQuery(pageSize), CatalogScope, $"catalog of {_host}", "repositories", cancellationToken);

    /// <summary>A repository's tags with pages of <paramref name="pageSize"/> (<c>n</c>), following <c>Link: rel="next"</c>.</summary>
    public Task<IReadOnlyList<string>> ListTagsAsync(string repository, int? pageSize, CancellationToken cancellationToken) =>
        ListPagedAsync($"/v2/{repository}/tags/list" + PageQuery(pageSize), PullScope(repository), $"tags of {_host}/{repository}", "tags", cancellationToken);

    private static string PageQuery(int? pageSize) =>
        pageSize is > 0 ? "?n=" + pageSize.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) : string.Empty;

    private async Task<IReadOnlyList<string>> ListPagedAsync(string path, string scope, string what, string property, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        Uri? next = null;
        for (var page = 0; page < 100_000; page++)
        {
            using var response = await SendCheckedAsync(new RegistryRequest
            {
                Method = HttpMethod.Get,
                Path = next is null ? path : null,
                Absolute = next,
                Scope = scope,
                What = what,
                Kind = ResourceKind.Repository,
            }, cancellationToken).ConfigureAwait(false);
            var body = await ReadBoundedAsync(response, _options.MaxManifestBytes, what, cancellationToken).ConfigureAwait(false);
            try
            {
                using var document = JsonDocument.Parse(body);
                if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(property, out var list) && list.ValueKind == JsonValueKind.Array)
                {
                    names.AddRange(list.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!));
                }
            }
            catch (JsonException ex)
            {
                throw new RegistryException($"{what}: the registry answered with something that is not a JSON {property} list", inner: ex);
            }

            next = NextLink(response);
            if (next is null)
            {
                break;
            }
        }

        return names;
    }
}
