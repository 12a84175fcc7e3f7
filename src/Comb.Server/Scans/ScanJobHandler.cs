using System.Security.Cryptography;
using System.Text;
using Comb.Contracts;
using Comb.Engine;
using Comb.Jobs;
using Comb.Storage;

namespace Comb.Server.Scans;

/// <summary>
/// Runs one queued scan: the engine with the job's options and progress written to the job, then the whole report
/// recorded in the scan store in the same transaction that completes the job, so a crash never records a scan twice.
/// Upstream trouble (registry 5xx, timeouts) is retried with backoff; bad input (a malformed image, refused
/// credentials, a missing database) fails at once.
/// </summary>
public sealed class ScanJobHandler(
    ImageScanner scanner, ScanStores stores, ServerLocations locations, CredentialSeal seal, IScanCredentialSource? credentials = null, IScanVexSource? vex = null) : IJobHandler
{
    public string Kind => ScanJob.Kind;

    public async Task<string?> HandleAsync(JobContext context, CancellationToken cancellationToken)
    {
        ScanJob job;
        try
        {
            job = ScanJob.FromJson(context.Payload);
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new JobFailedException(CombErrorKinds.Name(CombErrorKind.BadInput), $"scan job payload cannot be read: {ex.Message}", retryable: false, ex);
        }

        var policyFile = job.PolicyYaml is null ? null : await PolicyFileAsync(job.PolicyYaml, cancellationToken).ConfigureAwait(false);
        var progress = new JobProgressWriter(context, cancellationToken);
        ScanOutcome outcome;
        try
        {
            var options = ScanRequests.ToOptions(job, seal.Unseal(job), locations.CacheDir, policyFile);
            if (job.Request.Registry is { } registry)
            {
                options = await WithRegistryCredentialsAsync(registry, job.Request.Image!, options, cancellationToken).ConfigureAwait(false);
            }

            // The server's VEX statements judge the presented report and the verdict, as `comb scan --vex` does.
            if (vex is not null)
            {
                options = await vex.ApplyAsync(options, cancellationToken).ConfigureAwait(false);
            }

            outcome = await scanner.RunAsync(job.Request.Image!, options, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (CombInputException ex)
        {
            throw new JobFailedException(CombErrorKinds.Name(ex.Kind), ex.Message, retryable: ex.Kind == CombErrorKind.UpstreamFailure, ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            throw new JobFailedException(CombErrorKinds.Name(CombErrorKind.UpstreamFailure), ex.Message, retryable: true, ex);
        }
        finally
        {
            await progress.FlushAsync().ConfigureAwait(false);
        }

        var store = await stores.GetAsync(locations.Store, cancellationToken).ConfigureAwait(false);
        var scanId = ScanStore.NewScanId(outcome.Report.CreatedAt);
        var result = ScanJobResult.Of(scanId, outcome.Verdict, outcome.Presented with { ScanId = scanId });
        await context.CompleteWithAsync((connection, transaction, ct) => store.RecordAsync(outcome.Report, scanId, connection, transaction, ct),
            result.ToJson(), cancellationToken).ConfigureAwait(false);
        return null;
    }

    /// <summary>A stored registry's sign-in, unprotected only for this scan (never written to the job row).</summary>
    private async Task<ScanOptions> WithRegistryCredentialsAsync(string registry, string image, ScanOptions options, CancellationToken cancellationToken)
    {
        try
        {
            return credentials is null
                ? throw new CombInputException($"scan names registry {registry}, but this host reads no stored registry credentials")
                : await credentials.ApplyAsync(registry, image, options, cancellationToken).ConfigureAwait(false);
        }
        catch (CombInputException ex)
        {
            throw new JobFailedException(CombErrorKinds.Name(ex.Kind), ex.Message, retryable: ex.Kind == CombErrorKind.UpstreamFailure, ex);
        }
    }

    /// <summary>The engine reads a policy from a file: one per content, under the cache directory, written once.</summary>
    private async Task<string> PolicyFileAsync(string yaml, CancellationToken cancellationToken)
    {
        var dir = Path.Combine(locations.CacheDir, "server", "policies");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(yaml))) + ".yaml");
        if (!File.Exists(path))
        {
            var temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            await File.WriteAllTextAsync(temp, yaml, cancellationToken).ConfigureAwait(false);
            File.Move(temp, path, overwrite: true);
        }

        return path;
    }
}
