using Microsoft.OpenApi;

namespace Comb.Server.Tests;

/// <summary>/openapi/v1.json is a valid OpenAPI 3 document, read by the OpenAPI.NET reader, that lists every /api/v1 route.</summary>
public sealed class OpenApiDocumentTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_document_reads_as_OpenAPI_3_without_errors_and_lists_every_api_route_the_app_maps()
    {
        await using var server = new ServerFactory();
        using var anonymous = await server.ClientAsync(null);
        await using var body = await anonymous.GetStreamAsync("/openapi/v1.json", Ct);
        var (document, diagnostic) = await OpenApiDocument.LoadAsync(body, "json", cancellationToken: Ct);

        Assert.NotNull(document);
        Assert.NotNull(diagnostic);
        Assert.True(diagnostic.Errors.Count == 0, string.Join('\n', diagnostic.Errors.Select(e => $"{e.Pointer}: {e.Message}")));
        Assert.True(diagnostic.SpecificationVersion is OpenApiSpecVersion.OpenApi3_0 or OpenApiSpecVersion.OpenApi3_1, $"version {diagnostic.SpecificationVersion}");
        var invalid = document.Validate(ValidationRuleSet.GetDefaultRuleSet())?.ToList() ?? [];
        Assert.True(invalid.Count == 0, string.Join('\n', invalid.Select(e => $"{e.Pointer}: {e.Message}")));

        // Every /api/v1 route the app maps is in the document, with its method (route constraints are not part of a path).
        var documented = document.Paths
            .SelectMany(p => (p.Value.Operations ?? []).Select(o => $"{o.Key.Method.ToUpperInvariant()} {p.Key}"))
            .ToHashSet(StringComparer.Ordinal);
        var api = EndpointRoleTests.MappedRoutes(server.Services)
            .Where(r => r.Contains(" /api/v1/", StringComparison.Ordinal) || r.EndsWith(" /api/v1", StringComparison.Ordinal))
            .Select(r => System.Text.RegularExpressions.Regex.Replace(r, @"\{([A-Za-z_][A-Za-z0-9_]*):[^}]+\}", "{$1}"))
            .ToList();
        Assert.True(api.Count >= 30, $"only {api.Count} /api/v1 routes mapped");
        var undocumented = api.Where(r => !documented.Contains(r)).ToList();
        Assert.True(undocumented.Count == 0, "routes missing from /openapi/v1.json:\n" + string.Join('\n', undocumented));
        Assert.All(document.Paths.Values.SelectMany(p => p.Operations?.Values.AsEnumerable() ?? []), o => Assert.NotEmpty(o.Responses ?? []));
    }
}
