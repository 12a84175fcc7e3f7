using Comb.Contracts;

namespace Comb.Reporting.Tests;

/// <summary>A report with every kind of finding, built the way the scan pipeline fills one.</summary>
internal static class SampleReport
{
    private const string BaseLayer = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private const string AppLayer = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    public static ScanReport Create() => new()
    {
        ScanId = "scan-0001",
        CreatedAt = new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero),
        ToolVersion = "0.1.0",
        Trigger = "cli",
        AdvisoryDbVersion = "comb-db 1 (built 2026-11-25T00:00:00Z)",
        Image = new ImageMetadata
        {
            Reference = "registry.example/team/app:1.4",
            Registry = "registry.example",
            Repository = "team/app",
            Tag = "1.4",
            ManifestDigest = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            ConfigDigest = "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc",
            ManifestMediaType = "application/vnd.oci.image.manifest.v1+json",
            Platform = new ImagePlatform("linux", "amd64"),
            Config = new ImageConfig
            {
                Architecture = "amd64",
                Os = "linux",
                Config = new ContainerConfig { Env = ["PATH=/usr/bin", "AWS_SECRET_ACCESS_KEY=****"], User = "" },
            },
            Layers =
            [
                new LayerDescriptor { Index = 0, Digest = BaseLayer, DiffId = BaseLayer, MediaType = "application/vnd.oci.image.layer.v1.tar", Size = 100 },
                new LayerDescriptor { Index = 1, Digest = AppLayer, DiffId = AppLayer, MediaType = "application/vnd.oci.image.layer.v1.tar", Size = 200, CreatedBy = "COPY . /app" },
            ],
            SourceKind = "registry",
        },
        Os = new OsInfo { Family = "debian", Name = "12.8", Codename = "bookworm", PrettyName = "Debian GNU/Linux 12 (bookworm)" },
        PackageSets =
        [
            new PackageSet
            {
                FilePath = "var/lib/dpkg/status",
                Kind = "dpkg",
                Packages =
                [
                    Deb("libssl3", "3.0.13-1~deb12u1", "openssl", ["Apache-2.0"]),
                    Deb("zlib1g", "1:1.2.13.dfsg-1", "zlib", ["Zlib"]),
                    Deb("libc6", "2.36-9+deb12u4", "glibc", ["LGPL-2.1-or-later", "GPL-2.0-or-later"]),
                    Deb("bash", "5.2.15-2+b7", "bash", ["GPL-3+"]),
                ],
            },
            new PackageSet
            {
                FilePath = "app/package-lock.json",
                Kind = "npm",
                Packages =
                [
                    new Package
                    {
                        Name = "express", Version = "4.17.1", Type = PackageTypes.Npm, Purl = "pkg:npm/express@4.17.1",
                        Licenses = ["MIT"], LayerDiffId = AppLayer, Path = "app/package-lock.json", FoundBy = "npm-lock",
                        Relationship = "direct", DependsOn = ["qs@6.7.0"],
                    },
                    new Package
                    {
                        Name = "qs", Version = "6.7.0", Type = PackageTypes.Npm, Purl = "pkg:npm/qs@6.7.0",
                        Licenses = ["BSD-3-Clause"], LayerDiffId = AppLayer, Path = "app/package-lock.json", FoundBy = "npm-lock",
                        Relationship = "indirect",
                    },
                    new Package
                    {
                        Name = "@scope/tool", Version = "1.0.0", Type = PackageTypes.Npm, Purl = "pkg:npm/%40scope/tool@1.0.0",
                        Licenses = ["MIT OR Apache-2.0"], LayerDiffId = AppLayer, Path = "app/package-lock.json", FoundBy = "npm-lock", Dev = true,
                    },
                ],
            },
            new PackageSet
            {
                FilePath = "usr/local/bin/server",
                Kind = "gobinary",
                Packages =
                [
                    new Package
                    {
                        Name = "golang.org/x/net", Version = "v0.7.0", Type = PackageTypes.Golang, Purl = "pkg:golang/golang.org/x/net@v0.7.0",
                        LayerDiffId = AppLayer, Path = "usr/local/bin/server", FoundBy = "go-binary",
                    },
                ],
            },
        ],
        Vulnerabilities =
        [
            new VulnerabilityFinding
            {
                Id = "CVE-2024-5535", Aliases = ["DSA-5736-1"], PackageName = "libssl3", PackageType = PackageTypes.Deb,
                InstalledVersion = "3.0.13-1~deb12u1", PackagePurl = "pkg:deb/debian/libssl3@3.0.13-1~deb12u1?arch=amd64&distro=debian-12",
                SourcePackageName = "openssl", FixedVersions = ["3.0.15-1~deb12u1"], Status = "fixed", Severity = Severity.Critical,
                SeveritySource = "debian",
                Cvss = [new CvssScore { Source = "nvd", Version = "3.1", Vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:H", BaseScore = 9.1 }],
                Title = "openssl: SSL_select_next_proto buffer overread", Description = "Calling SSL_select_next_proto with an empty list overreads.",
                References = ["https://security-tracker.debian.org/tracker/CVE-2024-5535"], Cwes = ["CWE-200"],
                LayerDiffId = BaseLayer, Path = "var/lib/dpkg/status", DataSources = ["debian"],
                Published = new DateTimeOffset(2024, 6, 27, 11, 15, 0, TimeSpan.Zero),
                CheckCommand = "dpkg -s libssl3", FixAdvice = "Upgrade libssl3 to 3.0.15-1~deb12u1",
            },
            new VulnerabilityFinding
            {
                Id = "CVE-2023-45853", PackageName = "zlib1g", PackageType = PackageTypes.Deb, InstalledVersion = "1:1.2.13.dfsg-1",
                PackagePurl = "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12", Status = "will_not_fix",
                Severity = Severity.Low, SeveritySource = "debian", Title = "zlib: integer overflow in MiniZip",
                LayerDiffId = BaseLayer, DataSources = ["debian"],
            },
            new VulnerabilityFinding
            {
                Id = "GHSA-hrpp-h998-j3pp", Aliases = ["CVE-2022-24999"], PackageName = "qs", PackageType = PackageTypes.Npm,
                InstalledVersion = "6.7.0", PackagePurl = "pkg:npm/qs@6.7.0", FixedVersions = ["6.7.3"], Severity = Severity.High,
                Cvss =
                [
                    new CvssScore { Source = "ghsa", Version = "3.1", Vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", BaseScore = 7.5 },
                    new CvssScore { Source = "ghsa", Version = "4.0", Vector = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N", BaseScore = 8.7 },
                ],
                Title = "qs vulnerable to Prototype Pollution", Cwes = ["CWE-1321"], References = ["https://github.com/advisories/GHSA-hrpp-h998-j3pp"],
                LayerDiffId = AppLayer, Path = "app/package-lock.json", DataSources = ["osv:npm"], KnownExploited = false,
            },
            new VulnerabilityFinding
            {
                Id = "GO-2023-1571", Aliases = ["CVE-2022-41723"], PackageName = "golang.org/x/net", PackageType = PackageTypes.Golang,
                InstalledVersion = "v0.7.0", PackagePurl = "pkg:golang/golang.org/x/net@v0.7.0", FixedVersions = ["0.7.0"], Severity = Severity.Medium,
                Cvss = [new CvssScore { Source = "nvd", Version = "2.0", Vector = "AV:N/AC:L/Au:N/C:N/I:N/A:P", BaseScore = 5.0 }],
                LayerDiffId = AppLayer, Path = "usr/local/bin/server", DataSources = ["osv:Go"], KnownExploited = true,
            },
        ],
        Secrets =
        [
            new SecretFinding
            {
                RuleId = "aws-access-key-id", Title = "AWS Access Key ID", Category = "AWS", Severity = Severity.Critical,
                Path = "app/config/.env", LayerDiffId = AppLayer, Line = 3, Masked = "AKIA************MPLE",
                Snippet = "AWS_ACCESS_KEY_ID=AKIA************MPLE",
            },
            new SecretFinding
            {
                RuleId = "private-key", Title = "Private key", Category = "Generic", Severity = Severity.High,
                Path = "root/.ssh/id_rsa", LayerDiffId = BaseLayer, Line = 1, Masked = "-----BEGIN RSA PRIVATE KEY-----****",
                DeletedInLaterLayer = true,
            },
            new SecretFinding
            {
                RuleId = "aws-secret-access-key", Title = "AWS Secret Access Key", Severity = Severity.Critical,
                Path = "ENV", Masked = "AWS_SECRET_ACCESS_KEY=****",
            },
        ],
        Malware =
        [
            new MalwareFinding
            {
                Path = "var/www/html/shell.php", LayerDiffId = AppLayer, Engines = ["webshell", "yara"],
                Signatures = ["php-eval-post", "Webshell.PHP.Generic"], Category = "webshell", Severity = Severity.Critical,
                Sha256 = "d2a84f4b8b650937ec8f73cd8be2c74add5a911ba64df27458ed8229da804a26", Score = 0.98,
                Evidence = ["eval of base64_decode(...) of $_POST input"],
            },
            new MalwareFinding
            {
                Path = "tmp/eicar.com", LayerDiffId = AppLayer, Engines = ["clamav", "hash"], Signatures = ["Eicar-Signature"],
                Category = "test-file", Severity = Severity.Low, Sha256 = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f",
            },
        ],
        Misconfigurations =
        [
            new ConfigFinding
            {
                CheckId = "CIS-DI-0001", Title = "Create a user for the container", Severity = Severity.High,
                Message = "The image runs as root: config.User is empty.", Rationale = "Processes running as root can escalate.",
                Fix = "Add USER 10001 to the Dockerfile.", Location = "config.json",
            },
            new ConfigFinding
            {
                CheckId = "CIS-DI-0005", Title = "Use COPY instead of ADD", Severity = Severity.Low,
                Message = "ADD used to fetch a remote file.", Location = "Dockerfile:12", LayerDiffId = AppLayer,
            },
            new ConfigFinding
            {
                CheckId = "CIS-DI-0010", Title = "Do not store secrets in ENV", Severity = Severity.Critical,
                Message = "ENV sets AWS_SECRET_ACCESS_KEY.", Location = "ENV",
            },
        ],
        Trust = new TrustResult
        {
            Trusted = false,
            Reasons = ["registry registry.example is allowed", "signature missing: cosign signature tag not found"],
            SignatureStatus = "missing",
        },
        Policy = new PolicyVerdict
        {
            Decision = "block",
            PolicyName = "production",
            Fired =
            [
                new PolicyRuleResult { RuleId = "no-critical", Action = "block", Message = "Critical vulnerabilities are not allowed", Matches = ["CVE-2024-5535"] },
                new PolicyRuleResult { RuleId = "signed-images", Action = "warn", Message = "Images should be signed" },
            ],
        },
        Diagnostics = [new Diagnostic { Message = "truncated rpm database", Path = "var/lib/rpm/Packages", Level = "warning" }],
    };

    public static ScanReport Empty() => Create() with
    {
        PackageSets = [],
        Vulnerabilities = [],
        Secrets = [],
        Malware = [],
        Misconfigurations = [],
        Trust = null,
        Policy = null,
        Diagnostics = [],
    };

    private static Package Deb(string name, string version, string source, IReadOnlyList<string> licenses) => new()
    {
        Name = name,
        Version = version,
        Type = PackageTypes.Deb,
        Purl = PackageUrl.Create("deb", "debian", name, version, new Dictionary<string, string> { ["arch"] = "amd64", ["distro"] = "debian-12" }),
        SourceName = source,
        Arch = "amd64",
        Licenses = licenses,
        LayerDiffId = BaseLayer,
        Path = "var/lib/dpkg/status",
        FoundBy = "dpkg",
        Metadata = new Dictionary<string, string> { ["maintainer"] = "Debian Maintainers <debian@example.org>" },
    };

    public static async Task<string> RenderAsync(IReportWriter writer, ScanReport report)
    {
        using var stream = new MemoryStream();
        await writer.WriteAsync(report, stream, TestContext.Current.CancellationToken);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
