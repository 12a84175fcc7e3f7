using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Text.Json;
using Comb.Contracts;
using Comb.VulnDb.Feeds;

namespace Comb.VulnDb.Database;

/// <summary>
/// <c>comb db update</c>: downloads every feed (retrying server errors and broken transfers, checking sizes and that
/// archives and JSON are whole) into a scratch directory beside the database, then builds and swaps the database.
/// </summary>
public sealed class DbUpdater
{
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly IPublishedSecretValueReader? _secretValues;

    /// <summary><paramref name="secretValues"/> reads the downloaded secret rule set's published values (the secret scanner provides it).</summary>
    public DbUpdater(HttpClient http, TimeProvider? time = null, IPublishedSecretValueReader? secretValues = null)
    {
        _http = http;
        _time = time ?? TimeProvider.System;
        _secretValues = secretValues;
    }

    public async Task<DbBuildResult> UpdateAsync(string dbPath, DbUpdateOptions options, TextWriter? log, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var full = Path.GetFullPath(dbPath);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var scratch = Path.Combine(dir, $".update-{Guid.NewGuid():N}");
        var warnings = new List<string>();
        try
        {
            var osvCount = 0;
            foreach (var ecosystem in options.OsvEcosystems)
            {
                var url = DbUpdateOptions.Join(options.Osv, Uri.EscapeDataString(ecosystem) + "/all.zip");
                if (await DownloadAsync(url, Path.Combine(scratch, "osv", ecosystem, "all.zip"), FileKind.Zip, options, log, cancellationToken))
                {
                    osvCount++;
                }
                else
                {
                    warnings.Add($"osv:{ecosystem}: not on the server ({url})");
                }
            }

            if (osvCount == 0)
            {
                throw new CombInputException($"no OSV export found under {options.Osv}: check the URL or --mirror");
            }

            // CVE/list carries Debian's urgency per CVE (severity only; fixes come from the DSA/DLA lists).
            foreach (var kind in (string[])["DSA", "DLA", "CVE"])
            {
                var url = DbUpdateOptions.Join(options.Debian, kind + "/list");
                if (!await DownloadAsync(url, Path.Combine(scratch, "debian", kind, "list"), FileKind.Text, options, log, cancellationToken))
                {
                    warnings.Add($"debian: {kind} list not on the server ({url})");
                }
            }

            foreach (var branch in options.AlpineBranches)
            {
                foreach (var repo in (string[])["main", "community"])
                {
                    var url = DbUpdateOptions.Join(options.Alpine, $"{branch}/{repo}.json");
                    await DownloadAsync(url, Path.Combine(scratch, "alpine-secdb", branch, repo + ".json"), FileKind.Json, options, log, cancellationToken);
                }
            }

            if (!await DownloadAsync(options.Kev, Path.Combine(scratch, "kev", FeedDirectoryReader.KevFile), FileKind.Json, options, log, cancellationToken))
            {
                warnings.Add($"cisa-kev: catalogue not on the server ({options.Kev})");
            }

            var secretRules = Path.Combine(scratch, "secrets", FeedDirectoryReader.SecretRulesFile);
            if (!await DownloadAsync(options.SecretRules, secretRules, FileKind.Text, options, log, cancellationToken))
            {
                warnings.Add($"published secret values: rule set not on the server ({options.SecretRules})");
            }

            var feeds = await FeedDirectoryReader.ReadAsync(scratch, _secretValues, cancellationToken);
            warnings.AddRange(feeds.Warnings);
            var info = await AdvisoryDbWriter.BuildAsync(feeds, full, _time, cancellationToken);
            return new DbBuildResult(info, warnings, watch.Elapsed);
        }
        finally
        {
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
        }
    }

    private enum FileKind
    {
        Zip,
        Json,
        Text,
    }

    /// <summary>Downloads one file with retries; false when the server does not have it (404).</summary>
    private async Task<bool> DownloadAsync(string url, string target, FileKind kind, DbUpdateOptions options, TextWriter? log, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        Exception? last = null;
        for (var attempt = 1; attempt <= options.MaxAttempts; attempt++)
        {
            if (attempt > 1)
            {
                await Task.Delay(options.RetryDelay * (attempt - 1), _time, cancellationToken);
            }

            try
            {
                using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    return false;
                }

                if ((int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests)
                {
                    throw new RetryableDownloadException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
                }

                if (!response.IsSuccessStatusCode)
                {
                    throw new CombInputException($"download of {url} failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}", CombErrorKind.UpstreamFailure);
                }

                var expected = response.Content.Headers.ContentLength;
                if (expected > options.MaxFileBytes)
                {
                    throw new CombInputException($"download of {url} refused: {expected} bytes is over the {options.MaxFileBytes}-byte limit", CombErrorKind.LimitExceeded);
                }

                long written;
                await using (var body = await response.Content.ReadAsStreamAsync(cancellationToken))
                await using (var file = File.Create(target))
                {
                    written = await CopyLimitedAsync(body, file, options.MaxFileBytes, url, cancellationToken);
                }

                if (expected is { } length && written != length)
                {
                    throw new RetryableDownloadException($"truncated: {written} of {length} bytes");
                }

                Validate(target, kind);
                log?.WriteLine($"downloaded {url} ({written} bytes)");
                return true;
            }
            catch (Exception ex) when (ex is RetryableDownloadException or HttpRequestException or IOException or InvalidDataException or JsonException
                                           || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                last = ex;
                log?.WriteLine($"download of {url} failed (attempt {attempt} of {options.MaxAttempts}): {ex.Message}");
            }
        }

        throw new CombInputException($"download of {url} failed after {options.MaxAttempts} attempts: {last?.Message}", last!, CombErrorKind.UpstreamFailure);
    }

    private static async Task<long> CopyLimitedAsync(Stream source, Stream target, long limit, string url, CancellationToken cancellationToken)
    {
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += read;
            if (total > limit)
            {
                throw new CombInputException($"download of {url} refused: over the {limit}-byte limit", CombErrorKind.LimitExceeded);
            }

            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }

        return total;
    }

    /// <summary>A zip must open and list its entries; JSON must parse. A broken file is downloaded again.</summary>
    private static void Validate(string path, FileKind kind)
    {
        switch (kind)
        {
            case FileKind.Zip:
                using (var zip = ZipFile.OpenRead(path))
                {
                    if (zip.Entries.Count == 0)
                    {
                        throw new InvalidDataException("empty zip archive");
                    }
                }

                break;
            case FileKind.Json:
                using (var stream = File.OpenRead(path))
                using (JsonDocument.Parse(stream))
                {
                }

                break;
        }
    }

    private sealed class RetryableDownloadException(string message) : Exception(message);
}
