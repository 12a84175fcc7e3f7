using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Comb.Testing;
using Comb.Testing.Registry;
using YamlDotNet.RepresentationModel;

namespace Comb.Cli.Tests;

/// <summary>
/// The CI templates in ci/ as their CI systems run them: each template is parsed (YAML, or the Jenkinsfile's sh
/// steps), its scan step's shell script runs under bash with the variables the template sets, and `comb` on PATH is
/// this build's program. A pushed image with a baked-in key must fail the step (the default policy blocks it) and
/// still leave the report the template uploads; a clean image must pass.
/// </summary>
public sealed partial class CiTemplateTests(CiTemplateTests.Kit kit) : IClassFixture<CiTemplateTests.Kit>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Templates() => ["github", "gitlab", "jenkins", "azure"];

    [Theory]
    [MemberData(nameof(Templates))]
    public async Task The_scan_step_fails_on_the_policy_verdict_and_leaves_the_reports_it_uploads(string template)
    {
        var plan = Plan(template);
        Assert.NotEmpty(plan.Scripts);
        Assert.NotEmpty(plan.Reports);

        var bad = await RunAsync(plan, kit.BadImage);
        Assert.True(bad.Code == 1, $"{template}: expected the block verdict (1), got {bad.Code}\n{bad.Output}");
        foreach (var report in plan.Reports)
        {
            AssertReport(Path.Combine(bad.Dir, report), mustHaveFindings: true);
        }

        var good = await RunAsync(plan, kit.GoodImage);
        Assert.True(good.Code == 0, $"{template}: expected a pass (0), got {good.Code}\n{good.Output}");
        foreach (var report in plan.Reports)
        {
            AssertReport(Path.Combine(good.Dir, report), mustHaveFindings: false);
        }
    }

    /// <summary>What a template runs: its scan scripts, the environment it gives them, and the report files it uploads.</summary>
    private sealed record TemplatePlan(IReadOnlyList<string> Scripts, Dictionary<string, string> Environment, IReadOnlyList<string> Reports);

    private TemplatePlan Plan(string template)
    {
        var dir = Path.Combine(RepoRoot.Require(), "ci");
        switch (template)
        {
            case "github":
            {
                var root = LoadYaml(Path.Combine(dir, "github", "action.yml"));
                var inputs = Map(root, "inputs").Children.ToDictionary(e => Scalar(e.Key), e => Map(e.Value).Children.TryGetValue(new YamlScalarNode("default"), out var d) ? Scalar(d) : "");
                inputs["image"] = kit.BadImage;
                inputs["args"] = kit.Args;
                string Expand(string text) => InputExpression().Replace(text, m => inputs[m.Groups[1].Value]);
                var steps = Sequence(Map(root, "runs"), "steps").Cast<YamlMappingNode>().ToList();
                var scan = steps.Single(s => s.Children.ContainsKey(new YamlScalarNode("run")) && Scalar(s, "run").Contains("comb scan", StringComparison.Ordinal));
                var env = Map(scan, "env").Children.ToDictionary(e => Scalar(e.Key), e => Expand(Scalar(e.Value)));
                var upload = steps.Single(s => s.Children.TryGetValue(new YamlScalarNode("uses"), out var u) && Scalar(u).StartsWith("github/codeql-action/upload-sarif", StringComparison.Ordinal));
                Assert.Equal("always()", Scalar(upload, "if"));
                return new TemplatePlan([Scalar(scan, "run")], env, [Expand(Scalar(Map(upload, "with"), "sarif_file"))]);
            }

            case "gitlab":
            {
                var root = LoadYaml(Path.Combine(dir, "gitlab", "comb.gitlab-ci.yml"));
                var job = Map(root, "comb_container_scanning");
                var env = Map(root, "variables").Children.Concat(Map(job, "variables").Children).ToDictionary(e => Scalar(e.Key), e => Scalar(e.Value));
                var artifacts = Map(job, "artifacts");
                Assert.Equal("always", Scalar(artifacts, "when"));
                var reports = Map(artifacts, "reports");
                return new TemplatePlan([string.Join('\n', Sequence(job, "script").Select(Scalar))], env,
                    [Scalar(reports, "container_scanning"), Scalar(reports, "junit")]);
            }

            case "azure":
            {
                var root = LoadYaml(Path.Combine(dir, "azure", "azure-pipelines.yml"));
                var parameters = Sequence(root, "parameters").Cast<YamlMappingNode>()
                    .ToDictionary(p => Scalar(p, "name"), p => p.Children.TryGetValue(new YamlScalarNode("default"), out var d) ? Scalar(d) : "");
                parameters["image"] = kit.BadImage;
                parameters["args"] = kit.Args;
                var steps = Sequence(root, "steps").Cast<YamlMappingNode>().ToList();
                var scan = steps.Single(s => s.Children.ContainsKey(new YamlScalarNode("bash")) && Scalar(s, "bash").Contains("comb scan", StringComparison.Ordinal));
                var env = Map(scan, "env").Children.ToDictionary(e => Scalar(e.Key), e => ParameterExpression().Replace(Scalar(e.Value), m => parameters[m.Groups[1].Value]));
                var tasks = steps.Where(s => s.Children.ContainsKey(new YamlScalarNode("task"))).ToList();
                Assert.All(tasks, t => Assert.Equal("always()", Scalar(t, "condition")));
                var junit = Map(tasks.Single(t => Scalar(t, "task").StartsWith("PublishTestResults", StringComparison.Ordinal)), "inputs");
                var sarif = Map(tasks.Single(t => Scalar(t, "task").StartsWith("PublishBuildArtifacts", StringComparison.Ordinal)), "inputs");
                return new TemplatePlan([Scalar(scan, "bash")], env, [Scalar(junit, "testResultsFiles"), Scalar(sarif, "PathtoPublish")]);
            }

            default:
            {
                var text = File.ReadAllText(Path.Combine(dir, "jenkins", "Jenkinsfile"));
                var environment = JenkinsEnvironment().Match(text).Groups[1].Value;
                var env = JenkinsVariable().Matches(environment).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
                env["COMB_ARGS"] = kit.Args;
                var scripts = JenkinsSh().Matches(text).Select(m => m.Groups[1].Value).Where(s => s.Contains("comb scan", StringComparison.Ordinal)).ToList();
                Assert.Matches(@"post\s*\{\s*always\s*\{\s*junit", text);
                return new TemplatePlan(scripts, env, [JenkinsJunit().Match(text).Groups[1].Value]);
            }
        }
    }

    /// <summary>Runs the scripts in a fresh directory as the CI runner would: bash -e, the template's variables, comb on PATH.</summary>
    private async Task<(int Code, string Output, string Dir)> RunAsync(TemplatePlan plan, string image)
    {
        var work = Directory.CreateTempSubdirectory("comb-ci-run-").FullName;
        var code = 0;
        var output = new System.Text.StringBuilder();
        foreach (var script in plan.Scripts)
        {
            var file = Path.Combine(work, "step.sh");
            await File.WriteAllTextAsync(file, script, Ct);
            var start = new ProcessStartInfo("bash") { WorkingDirectory = work, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { "--noprofile", "--norc", "-eo", "pipefail", file })
            {
                start.ArgumentList.Add(arg);
            }

            foreach (var (name, value) in plan.Environment)
            {
                start.Environment[name] = value;
            }

            // Whatever the template says the image is, the test scans its own; its extra arguments reach the local registry.
            foreach (var name in new[] { "COMB_IMAGE" })
            {
                start.Environment[name] = image;
            }

            start.Environment["COMB_ARGS"] = kit.Args;
            start.Environment["PATH"] = kit.BinDir + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync(Ct);
            var stderr = process.StandardError.ReadToEndAsync(Ct);
            await process.WaitForExitAsync(Ct);
            output.Append(await stdout).Append(await stderr);
            code = process.ExitCode;
            if (code != 0)
            {
                break;
            }
        }

        return (code, output.ToString(), work);
    }

    /// <summary>The report exists and parses in its format; for the failing image it holds findings (a clean one may still warn).</summary>
    private static void AssertReport(string path, bool mustHaveFindings)
    {
        Assert.True(File.Exists(path), $"report {path} was not written");
        var text = File.ReadAllText(path);
        if (path.EndsWith(".xml", StringComparison.Ordinal))
        {
            var failures = XDocument.Parse(text).Descendants("failure").Count();
            Assert.True(!mustHaveFindings || failures > 0, $"{path} has no failures");
            return;
        }

        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        var findings = root.TryGetProperty("runs", out var runs)
            ? runs[0].GetProperty("results").GetArrayLength()
            : root.GetProperty("vulnerabilities").GetArrayLength();
        Assert.True(!mustHaveFindings || findings > 0, $"{path} has no findings");
    }

    private static YamlMappingNode LoadYaml(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StringReader(File.ReadAllText(path)))
        {
            stream.Load(reader);
        }

        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlMappingNode Map(YamlNode node, string? key = null) => (YamlMappingNode)(key is null ? node : ((YamlMappingNode)node).Children[new YamlScalarNode(key)]);

    private static IEnumerable<YamlNode> Sequence(YamlNode node, string key) => (YamlSequenceNode)((YamlMappingNode)node).Children[new YamlScalarNode(key)];

    private static string Scalar(YamlNode node) => ((YamlScalarNode)node).Value ?? "";

    private static string Scalar(YamlMappingNode node, string key) => Scalar(node.Children[new YamlScalarNode(key)]);

    [GeneratedRegex(@"\$\{\{\s*inputs\.([\w-]+)\s*\}\}")]
    private static partial Regex InputExpression();

    [GeneratedRegex(@"\$\{\{\s*parameters\.([\w-]+)\s*\}\}")]
    private static partial Regex ParameterExpression();

    [GeneratedRegex(@"environment\s*\{(.*?)\n\s*\}", RegexOptions.Singleline)]
    private static partial Regex JenkinsEnvironment();

    [GeneratedRegex(@"^\s*(\w+)\s*=\s*['""](.*?)['""]\s*$", RegexOptions.Multiline)]
    private static partial Regex JenkinsVariable();

    [GeneratedRegex(@"sh\s+'''(.*?)'''", RegexOptions.Singleline)]
    private static partial Regex JenkinsSh();

    [GeneratedRegex(@"junit\b[^\n]*testResults:\s*'([^']+)'")]
    private static partial Regex JenkinsJunit();

    /// <summary>A registry with a failing and a passing image, an advisory database, and `comb` (this build) on a PATH directory.</summary>
    public sealed class Kit : IAsyncLifetime
    {
        private RegistryServer? _registry;

        public string Root { get; } = Directory.CreateTempSubdirectory("comb-ci-kit-").FullName;

        public string BinDir => Path.Combine(Root, "bin");

        public string CacheDir => Path.Combine(Root, "cache");

        public string BadImage { get; private set; } = "";

        public string GoodImage { get; private set; } = "";

        public string Args => $"--insecure-registry --cache-dir {CacheDir}";

        public async ValueTask InitializeAsync()
        {
            _registry = await RegistryServer.StartAsync(RegistryMode.Anonymous);
            using var client = _registry.CreateClient();
            var os = ("etc/os-release", "ID=alpine\nVERSION_ID=3.20.0\n");
            var bad = new PushableImageBuilder()
                .WithLayer(os, ("lib/apk/db/installed", "P:zlib\nV:1.3-r0\nA:x86_64\no:zlib\n\n"))
                .WithLayer(("app/.env", "AWS_ACCESS_KEY_ID=AKIAQYLPMN5HHHFPZAM7\n"))
                .Build();
            var good = new PushableImageBuilder()
                .WithLayer(os, ("lib/apk/db/installed", "P:zlib\nV:1.3.1-r0\nA:x86_64\no:zlib\n\n"))
                .WithLayer(("app/readme.txt", "nothing to see\n"))
                .Build();
            await TestImagePusher.PushAsync(client, "ci/app", "bad", bad);
            await TestImagePusher.PushAsync(client, "ci/app", "good", good);
            BadImage = $"{_registry.Host}/ci/app:bad";
            GoodImage = $"{_registry.Host}/ci/app:good";

            var feeds = Path.Combine(Root, "feeds", "alpine-secdb", "v3.20");
            Directory.CreateDirectory(feeds);
            await File.WriteAllTextAsync(Path.Combine(feeds, "main.json"),
                """{"distroversion": "v3.20", "reponame": "main", "packages": [{"pkg": {"name": "zlib", "secfixes": {"1.3.1-r0": ["CVE-2099-1234"]}}}]}""");
            var import = await CliRunner.RunAsync("db", "import", Path.Combine(Root, "feeds"), "--cache-dir", CacheDir);
            Assert.True(import.Code == 0, import.Err);

            Directory.CreateDirectory(BinDir);
            var comb = Path.Combine(BinDir, "comb");
            await File.WriteAllTextAsync(comb, $"#!/bin/sh\nexec dotnet \"{Path.Combine(AppContext.BaseDirectory, "comb.dll")}\" \"$@\"\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(comb, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_registry is not null)
            {
                await _registry.DisposeAsync();
            }

            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
