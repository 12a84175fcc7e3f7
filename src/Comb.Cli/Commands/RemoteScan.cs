using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Comb.Cli.Output;
using Comb.Contracts;
using Comb.Image.Registry;
using Comb.Server.Scans;

namespace Comb.Cli.Commands;

/// <summary>
/// Client mode (<c>comb scan REF --server URL --token T</c>): the server scans; this submits each image, follows its
/// status (progress on stderr), fetches the report in the requested format and prints its bytes as a local scan would,
/// and exits by the verdict the server took with the same rules (--exit-code, --fail-on, policy).
/// </summary>
internal sealed class RemoteScan(Uri server, string token, string format, string? output, bool quiet, RegistryCredential? login, TextWriter stdout, TextWriter stderr)
{
    /// <summary>How often the status is asked for while a scan is queued or running.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    public static Uri ParseServer(string text) =>
        Uri.TryCreate(text.TrimEnd('/') + "/", UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new CombInputException($"--server must be an http(s) URL, not '{text}'");

    public async Task<int> ExecuteAsync(IReadOnlyList<string> references, ScanRequest template, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (references.Count > 1 && output is not null)
        {
            Directory.CreateDirectory(output);
        }

        var codes = new List<int>();
        foreach (var reference in references)
        {
            codes.Add(await ScanOneAsync(http, reference, template, references.Count > 1, cancellationToken));
        }

        return codes.Contains(ExitCodes.InternalError) ? ExitCodes.InternalError
            : codes.Contains(ExitCodes.InputError) ? ExitCodes.InputError
            : codes.FirstOrDefault(c => c != 0);
    }

    private async Task<int> ScanOneAsync(HttpClient http, string reference, ScanRequest template, bool multi, CancellationToken cancellationToken)
    {
        var request = template with { Image = reference, Format = format, RegistryCredentials = CredentialsFor(reference) };
        using var submitted = await http.PostAsync("api/v1/scans", JsonContent.Create(request, options: ScanJob.Json), cancellationToken);
        if (submitted.StatusCode != HttpStatusCode.Accepted)
        {
            throw await ErrorOfAsync(submitted, $"submitting {reference}", cancellationToken);
        }

        var id = (await submitted.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("id").GetString()!;
        var status = await FollowAsync(http, reference, id, cancellationToken);
        var state = status.GetProperty("status").GetString();
        if (state != "succeeded")
        {
            var error = status.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object
                ? $"{e.GetProperty("kind").GetString()}: {e.GetProperty("message").GetString()}"
                : state;
            if (!multi)
            {
                throw new CombInputException($"scan {id} of {reference} {state}: {error}");
            }

            await stderr.WriteLineAsync($"error: {reference}: scan {id} {state}: {error}");
            return ExitCodes.InputError;
        }

        using var report = await http.GetAsync($"api/v1/scans/{id}/report?format={Uri.EscapeDataString(format)}", cancellationToken);
        if (!report.IsSuccessStatusCode)
        {
            throw await ErrorOfAsync(report, $"fetching the report of scan {id}", cancellationToken);
        }

        var bytes = await report.Content.ReadAsByteArrayAsync(cancellationToken);
        await WriteAsync(bytes, multi ? (output is null ? null : Path.Combine(output, ScanRun.FileNameOf(reference) + ScanRun.Extension(format))) : output, cancellationToken);
        var scanId = status.GetProperty("scanId").GetString();
        await stderr.WriteLineAsync($"{reference}: verdict {status.GetProperty("verdict").GetString()}, scan {scanId} on {server.GetLeftPart(UriPartial.Authority)}");
        return status.GetProperty("exitCode").GetInt32();
    }

    /// <summary>Polls until the scan is finished, printing each new progress message once.</summary>
    private async Task<JsonElement> FollowAsync(HttpClient http, string reference, string id, CancellationToken cancellationToken)
    {
        string? last = null;
        try
        {
            while (true)
            {
                using var response = await http.GetAsync($"api/v1/scans/{id}", cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    throw await ErrorOfAsync(response, $"reading the status of scan {id}", cancellationToken);
                }

                var status = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
                var state = status.GetProperty("status").GetString();
                var message = state == "running" && status.TryGetProperty("progress", out var p) && p.ValueKind == JsonValueKind.Object
                    ? p.GetProperty("message").GetString()
                    : state;
                if (!quiet && message != last)
                {
                    await stderr.WriteLineAsync($"{reference}: {message}");
                    last = message;
                }

                if (state is "succeeded" or "failed" or "cancelled")
                {
                    return status;
                }

                await Task.Delay(PollInterval, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Interrupted: the server would otherwise go on scanning for nobody.
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                (await http.PostAsync($"api/v1/scans/{id}/cancel", null, cancel.Token)).Dispose();
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
                // the scan finishes on the server; nothing else to do
            }

            throw;
        }
    }

    private async Task WriteAsync(byte[] bytes, string? path, CancellationToken cancellationToken)
    {
        if (path is null)
        {
            await stdout.WriteAsync(Encoding.UTF8.GetString(bytes));
            await stdout.FlushAsync(cancellationToken);
            return;
        }

        await OutputFile.WriteAsync(path, (file, token) => file.WriteAsync(bytes, token).AsTask(), cancellationToken);
    }

    /// <summary>--username/--password (or the environment) go with the request, for the image's own registry as in a local scan.</summary>
    private Dictionary<string, RegistryCredential>? CredentialsFor(string reference) =>
        login is null || !RegistryReference.TryParse(reference, out var parsed)
            ? null
            : new Dictionary<string, RegistryCredential>(StringComparer.OrdinalIgnoreCase) { [parsed!.Registry] = login };

    private static async Task<CombInputException> ErrorOfAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        var detail = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            if (JsonSerializer.Deserialize<JsonElement>(detail).TryGetProperty("detail", out var d))
            {
                detail = d.GetString() ?? detail;
            }
        }
        catch (JsonException)
        {
            // not a problem document: the raw text is the best explanation there is
        }

        var kind = response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? CombErrorKind.Unauthorized
            : (int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests ? CombErrorKind.UpstreamFailure
            : CombErrorKind.BadInput;
        return new CombInputException($"{what}: server answered {(int)response.StatusCode} {response.ReasonPhrase}{(detail.Length > 0 ? ": " + detail : "")}", kind);
    }
}
