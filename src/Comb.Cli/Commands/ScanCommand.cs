using System.CommandLine;
using Comb.Cli.Output;
using Comb.Contracts;
using Comb.Reporting;
using Comb.Engine;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Cli.Commands;

/// <summary>comb scan REF...: the whole pipeline, one report per image, exit code from findings and policy.</summary>
internal static class ScanCommand
{
    public static Command Build(IServiceProvider services)
    {
        var command = new Command("scan", "Scan images for vulnerabilities, secrets, malware and misconfiguration");
        var refs = new Argument<string[]>("REF") { Description = "Image references (registry, oci:DIR[:TAG], oci-archive:FILE, docker-archive:FILE, rootfs:DIR)", Arity = ArgumentArity.ZeroOrMore };
        var refFile = new Option<string?>("--ref-file") { Description = "File with one image reference per line" };
        var scanners = new Option<string>("--scanners") { Description = "Comma-separated: vuln,secret,malware,config", DefaultValueFactory = _ => string.Join(',', Scanners.All) };
        var format = new Option<string>("--format", "-f") { Description = "Output format: " + string.Join('|', ReportFormats.Names), DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong([.. ReportFormats.Names]);
        var output = new Option<string?>("--output", "-o") { Description = "Write the report to FILE (with several images: a directory, one file per image)" };
        var severity = new Option<string?>("--severity") { Description = "Only report these severities, e.g. HIGH,CRITICAL" };
        var ignoreUnfixed = new Option<bool>("--ignore-unfixed") { Description = "Hide vulnerabilities that have no fixed version" };
        var exitCode = new Option<int>("--exit-code") { Description = "Exit code when findings are reported (default 0)" };
        var failOn = new Option<string?>("--fail-on") { Description = "Fail (exit code 1, or --exit-code) when a finding of this severity or worse is reported" };
        var ignoreFile = new Option<string?>("--ignorefile") { Description = "Ignore file (default: .combignore in the current directory)" };
        var vex = new Option<string[]>("--vex") { Description = "OpenVEX documents whose not_affected/fixed statements suppress findings", AllowMultipleArgumentsPerToken = false };
        var secretConfig = new Option<string?>("--secret-config") { Description = "Secret rules and allow-lists: a YAML file, or a gitleaks configuration (.toml)" };
        var clamd = new Option<string?>("--clamd") { Description = "clamd address: tcp://HOST:PORT or unix:/path" };
        var yara = new Option<string?>("--yara-rules") { Description = "YARA rule file or directory to add" };
        var hashes = new Option<string?>("--hash-list") { Description = "Extra malware hash list (.hdb, .hsb or CSV)" };
        var policy = new Option<string?>("--policy") { Description = "Policy file deciding which findings block (exit code 1)" };
        var trust = new Option<string?>("--trust-policy") { Description = "Trust policy: trusted registries, base digests, signing keys" };
        var dockerfile = new Option<string?>("--dockerfile") { Description = "Also lint this Dockerfile" };
        var store = new Option<string?>("--store") { Description = "Scan history store: SQLite path or postgres:// URL" };
        var noStore = new Option<bool>("--no-store") { Description = "Do not record this scan in the history store" };
        var db = new Option<string?>("--db") { Description = "Advisory database file (default: <cache>/db/comb.db)" };
        var parallel = new Option<int>("--parallel") { Description = "Images scanned at once", DefaultValueFactory = _ => 2 };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress output" };
        var cacheBackend = new Option<string?>("--cache-backend") { Description = "Layer cache backend: fs (the cache directory, default) or redis://host:port[/db] shared by hosts (or $COMB_CACHE_BACKEND)" };
        var server = new Option<string?>("--server") { Description = "Have a Comb server scan (client mode): its URL (or $COMB_SERVER); --policy then names a stored policy" };
        var token = new Option<string?>("--token") { Description = "API token for --server (or $COMB_TOKEN)" };
        var access = new ImageAccessOptions();
        var skips = new PathSkipOptions();
        var devDeps = new DevDependencyOption();

        command.Arguments.Add(refs);
        foreach (var option in new Option[] { refFile, scanners, format, output, severity, ignoreUnfixed, exitCode, failOn, ignoreFile, vex, secretConfig, clamd, yara, hashes, policy, trust, dockerfile, store, noStore, db, parallel, quiet, cacheBackend, server, token })
        {
            command.Options.Add(option);
        }

        access.AddTo(command);
        skips.AddTo(command);
        devDeps.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var references = new List<string>(parse.GetValue(refs) ?? []);
            if (parse.GetValue(refFile) is { } file)
            {
                if (!File.Exists(file))
                {
                    throw new CombInputException($"reference file not found: {file}", CombErrorKind.NotFound);
                }

                references.AddRange((await File.ReadAllLinesAsync(file, ct)).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')));
            }

            if (references.Count == 0)
            {
                throw new CombInputException("no image given: comb scan REF [REF...] or --ref-file FILE");
            }

            if ((parse.GetValue(server) ?? Environment.GetEnvironmentVariable("COMB_SERVER")) is { Length: > 0 } serverUrl)
            {
                // Settings that name files on this machine cannot reach the server; its own settings apply instead.
                var local = new Option[] { ignoreFile, vex, secretConfig, clamd, yara, hashes, trust, dockerfile, store, noStore, db, access.CacheDir, access.MaxLayerSize }
                    .Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
                if (local.Count > 0)
                {
                    throw new CombInputException($"{string.Join(", ", local)} cannot be used with --server: the server's own settings apply");
                }

                return await RemoteAsync(parse, serverUrl, references, token, scanners, severity, ignoreUnfixed, failOn, exitCode, policy, format, output, quiet, access, skips, devDeps, ct);
            }

            var options = devDeps.Apply(parse, skips.Apply(parse, access.Apply(parse, new ScanOptions
            {
                Scanners = ParseScanners(parse.GetValue(scanners)!),
                Severities = ParseSeverities(parse.GetValue(severity)),
                IgnoreUnfixed = parse.GetValue(ignoreUnfixed),
                IgnoreFile = parse.GetValue(ignoreFile) ?? (File.Exists(".combignore") ? ".combignore" : null),
                VexFiles = parse.GetValue(vex) ?? [],
                SecretConfig = parse.GetValue(secretConfig),
                ClamdAddress = parse.GetValue(clamd) ?? Environment.GetEnvironmentVariable("COMB_CLAMD"),
                YaraRules = parse.GetValue(yara),
                HashList = parse.GetValue(hashes),
                PolicyFile = parse.GetValue(policy),
                TrustPolicyFile = parse.GetValue(trust),
                Dockerfile = parse.GetValue(dockerfile),
                StorePath = parse.GetValue(store) ?? Environment.GetEnvironmentVariable("COMB_STORE"),
                NoStore = parse.GetValue(noStore),
                DbPath = parse.GetValue(db),
                Trigger = TriggerOf(),
                CacheBackend = parse.GetValue(cacheBackend) ?? Environment.GetEnvironmentVariable("COMB_CACHE_BACKEND"),
            })));
            options = options with
            {
                Verdict = new VerdictOptions
                {
                    FailOn = parse.GetValue(failOn) is { } f ? ParseSeverity(f) : null,
                    ExitCodeOnFindings = parse.GetValue(exitCode),
                },
            };
            var run = new ScanRun(services, parse.GetValue(format)!, parse.GetValue(output), parse.GetValue(quiet),
                parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            return await run.ExecuteAsync(references, options, Math.Max(1, parse.GetValue(parallel)), ct);
        });
        return command;
    }

    /// <summary>
    /// Client mode (--server): apart from the local scan so that a local scan's code never references the server's
    /// request types (their assembly would load with it).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static async Task<int> RemoteAsync(ParseResult parse, string serverUrl, IReadOnlyList<string> references, Option<string?> token, Option<string> scanners,
        Option<string?> severity, Option<bool> ignoreUnfixed, Option<string?> failOn, Option<int> exitCode, Option<string?> policy, Option<string> format,
        Option<string?> output, Option<bool> quiet, ImageAccessOptions access, PathSkipOptions skips, DevDependencyOption devDeps, CancellationToken ct)
    {
        var apiToken = parse.GetValue(token) ?? Environment.GetEnvironmentVariable("COMB_TOKEN")
            ?? throw new CombInputException("--server needs an API token: --token T or $COMB_TOKEN");
        var user = parse.GetValue(access.Username) ?? Environment.GetEnvironmentVariable("COMB_USERNAME");
        var password = parse.GetValue(access.Password) ?? Environment.GetEnvironmentVariable("COMB_PASSWORD");
        var template = new Comb.Server.Scans.ScanRequest
        {
            Scanners = [.. ParseScanners(parse.GetValue(scanners)!).Order(StringComparer.Ordinal)],
            Severities = [.. ParseSeverities(parse.GetValue(severity)).Select(v => v.ToUpperName())],
            IgnoreUnfixed = parse.GetValue(ignoreUnfixed),
            FailOn = parse.GetValue(failOn) is { } fo ? ParseSeverity(fo).ToUpperName() : null,
            ExitCode = parse.GetValue(exitCode),
            Policy = parse.GetValue(policy),
            Platform = parse.GetValue(access.Platform),
            InsecureRegistry = parse.GetValue(access.Insecure),
            SkipFiles = skips.Apply(parse, new ScanOptions()).SkipFiles,
            SkipDirs = skips.Apply(parse, new ScanOptions()).SkipDirs,
            IncludeDevDeps = parse.GetValue(devDeps.IncludeDevDeps),
            Trigger = TriggerOf(),
        };
        var remote = new RemoteScan(RemoteScan.ParseServer(serverUrl), apiToken, parse.GetValue(format)!, parse.GetValue(output), parse.GetValue(quiet),
            user is null && password is null ? null : new RegistryCredential(user, password), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
        return await remote.ExecuteAsync(references, template, ct);
    }

    internal static IReadOnlySet<string> ParseScanners(string text)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var lower = name.ToLowerInvariant();
            if (lower == "none")
            {
                continue;
            }

            if (!Scanners.All.Contains(lower))
            {
                throw new CombInputException($"unknown scanner '{name}': use {string.Join(',', Scanners.All)}");
            }

            set.Add(lower);
        }

        return set;
    }

    internal static IReadOnlySet<Severity> ParseSeverities(string? text) =>
        text is null ? new HashSet<Severity>() : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseSeverity).ToHashSet();

    private static Severity ParseSeverity(string text)
    {
        if (text.Equals("UNKNOWN", StringComparison.OrdinalIgnoreCase))
        {
            return Severity.Unknown;
        }

        var severity = SeverityNames.Parse(text);
        return severity == Severity.Unknown ? throw new CombInputException($"unknown severity '{text}': use UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL") : severity;
    }

    /// <summary>Who ran the scan: a CI job id when the environment names one.</summary>
    private static string TriggerOf()
    {
        foreach (var (variable, system) in new[] { ("GITHUB_RUN_ID", "github"), ("CI_JOB_ID", "gitlab"), ("BUILD_ID", "jenkins"), ("BUILDKITE_JOB_ID", "buildkite"), ("CIRCLE_WORKFLOW_JOB_ID", "circleci") })
        {
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } id)
            {
                return $"ci:{system}:{id}";
            }
        }

        return Environment.GetEnvironmentVariable("CI") is { Length: > 0 } ? "ci" : "cli";
    }
}

/// <summary>Scans several images concurrently (bounded) with one report and one summary line per image.</summary>
internal sealed class ScanRun(IServiceProvider services, string format, string? output, bool quiet, TextWriter stdout, TextWriter stderr)
{
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    public async Task<int> ExecuteAsync(IReadOnlyList<string> references, ScanOptions options, int parallel, CancellationToken cancellationToken)
    {
        var scanner = services.GetRequiredService<ImageScanner>();
        var writer = services.GetServices<IReportWriter>().FirstOrDefault(w => w.Format == format)
            ?? throw new CombInputException($"output format '{format}' is not available in this build");
        var multi = references.Count > 1;
        if (multi && output is not null)
        {
            Directory.CreateDirectory(output);
        }

        var codes = new int[references.Count];
        var summaries = new string?[references.Count];
        await Output.TerminalProgress.RunAsync(quiet, stderr, progress => ScanAllAsync(references, options, parallel, scanner, writer, multi, codes, summaries, progress, cancellationToken));
        foreach (var line in summaries.Where(s => s is not null))
        {
            await stderr.WriteLineAsync(line);
        }

        return codes.Contains(ExitCodes.InternalError) ? ExitCodes.InternalError
            : codes.Contains(ExitCodes.InputError) ? ExitCodes.InputError
            : codes.FirstOrDefault(c => c != 0);
    }

    private async Task<bool> ScanAllAsync(IReadOnlyList<string> references, ScanOptions options, int parallel, ImageScanner scanner, IReportWriter writer, bool multi,
        int[] codes, string?[] summaries, IProgress<ScanProgress>? progress, CancellationToken cancellationToken)
    {
        if (references.Count == 1)
        {
            // One image (the usual command line): scanned on this flow, without the parallel loop's hand-off to a pool
            // thread, which suspends every caller up the chain (each one's suspension machinery compiled at run time).
            await ScanOneAsync(references, 0, options, scanner, writer, multi, codes, summaries, progress, cancellationToken);
            return true;
        }

        await Parallel.ForEachAsync(Enumerable.Range(0, references.Count), new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancellationToken },
            async (i, ct) => await ScanOneAsync(references, i, options, scanner, writer, multi, codes, summaries, progress, ct));
        return true;
    }

    private async Task ScanOneAsync(IReadOnlyList<string> references, int i, ScanOptions options, ImageScanner scanner, IReportWriter writer, bool multi,
        int[] codes, string?[] summaries, IProgress<ScanProgress>? progress, CancellationToken ct)
    {
        var reference = references[i];
        try
        {
            // The history keeps the whole report; users see it through their filters, judged as they see it.
            var outcome = await scanner.RunAsync(reference, options, progress, ct);
            StartupTrace.Mark("report made");
            await WriteAsync(writer, outcome.Presented, multi ? (output is null ? null : Path.Combine(output, FileNameOf(reference) + Extension(format))) : output, ct);
            StartupTrace.Mark("report written");
            codes[i] = outcome.Verdict.ExitCode;
            summaries[i] = Summary(reference, outcome.Presented, outcome.Verdict);
        }
        catch (CombInputException ex) when (multi)
        {
            codes[i] = CombErrorKinds.ExitCode(ex.Kind);
            summaries[i] = $"error: {reference}: {ex.Message}";
        }
    }

    private async Task WriteAsync(IReportWriter writer, ScanReport report, string? path, CancellationToken cancellationToken)
    {
        if (path is not null)
        {
            // Made in memory, then written in one call: the serializer's asynchronous flushes into a file suspended on
            // every buffer, for no gain on a report this size (and the standard-output path below buffers it too).
            using var bytes = new MemoryStream();
            await writer.WriteAsync(report, bytes, cancellationToken);
            await OutputFile.WriteAsync(path, (file, token) => file.WriteAsync(bytes.GetBuffer().AsMemory(0, (int)bytes.Length), token).AsTask(), cancellationToken);
            return;
        }

        // Reports to stdout are written one at a time so concurrent scans never interleave.
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            using var buffer = new MemoryStream();
            await writer.WriteAsync(report, buffer, cancellationToken);
            await stdout.WriteAsync(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
            await stdout.FlushAsync(cancellationToken);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private static string Summary(string reference, ScanReport report, ScanVerdict verdict)
    {
        var bySeverity = string.Join(", ", Enum.GetValues<Severity>().Reverse()
            .Select(s => (s, n: report.Vulnerabilities.Count(v => v.Severity == s))).Where(x => x.n > 0).Select(x => $"{x.s.ToUpperName()} {x.n}"));
        // Without --policy (or --fail-on) nothing decided a verdict: "pass" would read as "checked and clean".
        var decided = verdict.Policy is null && verdict.ExitCode == ExitCodes.Success ? "no policy" : "verdict " + verdict.Label;
        return
            $"{reference}: {report.Packages.Count()} packages, {report.Vulnerabilities.Count} vulnerabilities{(bySeverity.Length > 0 ? $" ({bySeverity})" : "")}, " +
            $"{report.Secrets.Count} secrets, {report.Malware.Count} malware, {report.Misconfigurations.Count} misconfigurations, {decided}" +
            (report.ScanId is null ? "" : $", scan {report.ScanId}");
    }

    internal static string FileNameOf(string reference) =>
        new string([.. reference.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_')]).Trim('_');

    internal static string Extension(string format) => ReportFormats.Find(format)?.Extension ?? ".txt";
}

/// <summary>Plain progress lines on stderr (CI logs); one line per layer event.</summary>
internal sealed class PlainProgress(TextWriter stderr) : IProgress<ScanProgress>
{
    private readonly object _gate = new();

    public void Report(ScanProgress value)
    {
        var line = value.Stage switch
        {
            "opened" => $"{value.Image}: {value.LayerCount} layers",
            "layer-cached" => $"{value.Image}: layer {value.LayerIndex + 1}/{value.LayerCount} {Short(value.Layer)} cached",
            "layer-done" => $"{value.Image}: layer {value.LayerIndex + 1}/{value.LayerCount} {Short(value.Layer)} analyzed ({InspectView.Bytes(value.Bytes)})",
            "analyzing" => $"{value.Image}: matching and checks",
            _ => null,
        };
        if (line is not null)
        {
            lock (_gate)
            {
                stderr.WriteLine(line);
            }
        }
    }

    private static string Short(string? digest) => digest is null ? "" : Image.Layers.LayerStreams.Short(digest);
}
