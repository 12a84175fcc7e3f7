using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Comb.Testing.Registry;

namespace Comb.Server.Tests;

/// <summary>Small Alpine-like images pushed to a real registry (one shared base layer, one layer of their own), and waits on a stored registry's scans.</summary>
internal static class RegistryFleet
{
    public static PushableImage Image(string name) => new PushableImageBuilder()
        .WithLayer(("etc/os-release", "ID=alpine\nVERSION_ID=3.20.0\n"), ("lib/apk/db/installed", "P:zlib\nV:1.3-r0\nA:x86_64\no:zlib\n\n"))
        .WithLayer(("app/id.txt", name + "\n"))
        .Build();

    /// <summary>Pushes <paramref name="repositories"/> × <paramref name="tags"/> distinct images; returns each tag's digest.</summary>
    public static async Task<Dictionary<string, string>> PushAsync(RegistryServer registry, IEnumerable<string> repositories, IEnumerable<string> tags, CancellationToken ct)
    {
        using var client = registry.CreateClient();
        var digests = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var repository in repositories)
        {
            foreach (var tag in tags)
            {
                digests[$"{repository}:{tag}"] = await TestImagePusher.PushAsync(client, repository, tag, Image($"{repository}:{tag}"), cancellationToken: ct);
            }
        }

        return digests;
    }

    public static async Task<JsonElement> CreateAsync(HttpClient admin, object body, CancellationToken ct)
    {
        var response = await admin.PostAsJsonAsync("/api/v1/registries", body, ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(ct));
        return await response.Content.ReadFromJsonAsync<JsonElement>(ct);
    }

    public static async Task<JsonElement> ScanAllAsync(HttpClient scanner, string name, CancellationToken ct)
    {
        var response = await scanner.PostAsync($"/api/v1/registries/{name}/scan-all", null, ct);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync(ct));
        return await response.Content.ReadFromJsonAsync<JsonElement>(ct);
    }

    /// <summary>Polls the registry until no scan of it is pending; returns its view.</summary>
    public static async Task<JsonElement> SettledAsync(HttpClient client, string name, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        while (true)
        {
            var view = await client.GetFromJsonAsync<JsonElement>($"/api/v1/registries/{name}", timeout.Token);
            if (view.GetProperty("pending").GetInt32() == 0)
            {
                return view;
            }

            await Task.Delay(200, timeout.Token);
        }
    }

    public static int BlobRequests(FaultInjectingProxy proxy) => proxy.Hits.Where(h => h.Key.Contains("/blobs/", StringComparison.Ordinal)).Sum(h => h.Value);
}
