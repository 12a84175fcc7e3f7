using Comb.Checks.Config;
using Comb.Contracts;
using static Comb.Checks.Tests.TestImages;

namespace Comb.Checks.Tests;

public sealed class ImageChecksTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private static IReadOnlyList<ConfigFinding> Run(ImageInventory inventory, ScanOptions? options = null) =>
        new ImageChecks(EolTable.Default, Now).Run(inventory, options ?? new ScanOptions());

    private static IReadOnlyList<ConfigFinding> Run(ImageMetadata image) => Run(Inventory(image));

    private static HistoryEntry Step(string createdBy, bool empty = false) => new() { CreatedBy = createdBy, EmptyLayer = empty };

    [Fact]
    public void A_hardened_image_has_no_findings()
    {
        var history = new[]
        {
            Step("/bin/sh -c #(nop) ADD file:6b1d3a in / "),
            Step("/bin/sh -c #(nop)  CMD [\"bash\"]", empty: true),
            Step("RUN /bin/sh -c apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* # buildkit"),
            Step("USER 10001:10001", empty: true),
        };

        Assert.Empty(Run(Inventory(Img(history: history, layers: 2), os: new OsInfo { Family = "debian", Name = "13.1" })));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("root")]
    [InlineData("0")]
    [InlineData("0:0")]
    [InlineData("root:staff")]
    public void Flags_images_that_run_as_root(string? user)
    {
        var findings = Run(Img(config: HardenedConfig with { User = user }));

        var finding = Assert.Single(findings);
        Assert.Equal("CIS-DI-0001", finding.CheckId);
        Assert.Equal("USER", finding.Location);
        Assert.Equal(Severity.High, finding.Severity);
        Assert.NotNull(finding.Fix);
    }

    [Theory]
    [InlineData("app")]
    [InlineData("1000")]
    [InlineData("nobody:nogroup")]
    public void Accepts_non_root_users(string user) =>
        Assert.DoesNotContain(Run(Img(config: HardenedConfig with { User = user })), f => f.CheckId == "CIS-DI-0001");

    [Fact]
    public void Flags_missing_and_disabled_healthchecks()
    {
        Assert.Contains(Run(Img(config: HardenedConfig with { Healthcheck = null })), f => f.CheckId == "CIS-DI-0006");
        var disabled = Run(Img(config: HardenedConfig with { Healthcheck = new HealthcheckConfig { Test = ["NONE"] } }));
        Assert.Contains("NONE", Assert.Single(disabled, f => f.CheckId == "CIS-DI-0006").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Flags_secret_looking_env_names_without_revealing_the_value()
    {
        var config = HardenedConfig with
        {
            Env = ["DB_PASSWORD=s3cr3t-value", "AWS_SECRET_ACCESS_KEY=abcdEFGH", "API_KEY=k-123456", "GITHUB_TOKEN=ghp_x",
                   "POSTGRES_PASSWORD_FILE=/run/secrets/pg", "GPG_KEY=ABCDEF", "PATH=/bin", "EMPTY_SECRET=", "PYTHON_SHA256=abc"],
        };

        var findings = Run(Img(config: config)).Where(f => f.CheckId == "CIS-DI-0010").ToList();

        Assert.Equal(4, findings.Count);
        Assert.All(findings, f => Assert.Equal("ENV", f.Location));
        Assert.All(findings, f => Assert.DoesNotContain("s3cr3t", f.Message, StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Message.Contains("DB_PASSWORD", StringComparison.Ordinal));
    }

    [Fact]
    public void Flags_secret_build_args_recorded_in_history()
    {
        var history = new[]
        {
            Step("ARG NPM_TOKEN=npm_abcdef123", empty: true),
            Step("|2 NPM_TOKEN=npm_abcdef123 VERSION=1.2 /bin/sh -c npm ci"),
            Step("RUN |1 APP_VERSION=3 /bin/sh -c make # buildkit"),
        };

        var findings = Run(Img(history: history, layers: 2)).Where(f => f.CheckId == "CIS-DI-0010").ToList();

        var finding = Assert.Single(findings);
        Assert.Equal("history[0]", finding.Location);
        Assert.DoesNotContain("abcdef", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Flags_remote_add_and_names_the_layer()
    {
        var history = new[]
        {
            Step("/bin/sh -c #(nop) ADD file:6b1d3a in / "),
            Step("ADD https://example.com/tool.tar.gz /opt/ # buildkit"),
            Step("COPY app /app # buildkit"),
        };

        var finding = Assert.Single(Run(Img(history: history, layers: 3)), f => f.CheckId == "CIS-DI-0009");

        Assert.Equal("history[1]", finding.Location);
        Assert.Equal(Digest(101), finding.LayerDiffId);
        Assert.Contains("https://example.com/tool.tar.gz", finding.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/bin/sh -c apt-get update && apt-get upgrade -y", "DKL-DI-0003")]
    [InlineData("RUN /bin/sh -c apt-get update && apt-get dist-upgrade -y # buildkit", "DKL-DI-0003")]
    [InlineData("/bin/sh -c apk upgrade --no-cache", "DKL-DI-0003")]
    [InlineData("/bin/sh -c sudo apt-get install -y vim", "DKL-DI-0001")]
    [InlineData("/bin/sh -c curl -fsSL https://get.example.com | sh", "CIS-DI-0011")]
    [InlineData("/bin/sh -c wget -qO- https://x.example/install.sh | sudo bash -s -- --yes", "CIS-DI-0011")]
    [InlineData("/bin/sh -c sh -c \"$(curl -fsSL https://x.example/i.sh)\"", "CIS-DI-0011")]
    [InlineData("/bin/sh -c apt-get install -y --allow-unauthenticated foo", "CIS-DI-0011")]
    [InlineData("/bin/sh -c apt-get update", "CIS-DI-0007")]
    [InlineData("/bin/sh -c apk add curl", "DKL-DI-0004")]
    public void Flags_risky_build_commands(string createdBy, string checkId)
    {
        var findings = Run(Img(history: [Step(createdBy)]));

        var finding = Assert.Single(findings, f => f.CheckId == checkId);
        Assert.Equal("history[0]", finding.Location);
        Assert.Equal(Digest(100), finding.LayerDiffId);
    }

    [Theory]
    [InlineData("/bin/sh -c apt-get update && apt-get install -y --no-install-recommends curl")]
    [InlineData("/bin/sh -c curl -fsSLo /tmp/i.sh https://x.example/i.sh && echo 'abc  /tmp/i.sh' | sha256sum -c && sh /tmp/i.sh")]
    [InlineData("/bin/sh -c apk add --no-cache curl")]
    [InlineData("/bin/sh -c echo 'sudo is a word' > /etc/motd")]
    [InlineData("/bin/sh -c cd /src && make")]
    public void Leaves_ordinary_build_commands_alone(string createdBy) =>
        Assert.Empty(Run(Img(history: [Step(createdBy)])));

    [Fact]
    public void Flags_exposed_ssh_port()
    {
        var config = HardenedConfig with { ExposedPorts = new Dictionary<string, object> { ["22/tcp"] = new(), ["80/tcp"] = new() } };

        Assert.Contains("22/tcp", Assert.Single(Run(Img(config: config))).Message, StringComparison.Ordinal);
        Assert.Empty(Run(Img()));
    }

    [Fact]
    public void Setuid_files_are_blamed_on_own_layers_only()
    {
        // Layer 0 is the base (its history ends with CMD), layers 1-2 are the image's own.
        var history = new[]
        {
            Step("/bin/sh -c #(nop) ADD file:6b1d3a in / "),
            Step("/bin/sh -c #(nop)  CMD [\"bash\"]", empty: true),
            Step("RUN /bin/sh -c apt-get install -y --no-install-recommends sudo && rm -rf /var/lib/apt/lists/* # buildkit"),
            Step("COPY tool /usr/local/bin/tool # buildkit"),
        };
        var suid = Convert.ToInt32("4755", 8);
        var baseNote = Note("setuid", "usr/bin/passwd", suid, "owner uid 0");
        var ownNote = Note("setuid", "usr/bin/sudo", suid, "owner uid 0");
        var deleted = Note("setgid", "usr/local/bin/tool", Convert.ToInt32("2755", 8), "group gid 0");
        var inventory = Inventory(Img(history: history, layers: 3),
            notes: [baseNote, ownNote],
            layerNotes: [new LayerNote(Digest(100), 0, baseNote), new LayerNote(Digest(101), 1, ownNote), new LayerNote(Digest(102), 2, deleted)]);

        var finding = Assert.Single(Run(inventory), f => f.CheckId == "CIS-DI-0008");

        Assert.Equal("usr/bin/sudo", finding.Location);
        Assert.Equal(Digest(101), finding.LayerDiffId);
        Assert.Contains("4755", finding.Message, StringComparison.Ordinal);
        Assert.Contains("layer 1", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Base_layer_count_can_be_forced()
    {
        var suid = Convert.ToInt32("4755", 8);
        var note = Note("setuid", "usr/bin/passwd", suid, "owner uid 0");
        var inventory = Inventory(Img(layers: 2), notes: [note], layerNotes: [new LayerNote(Digest(100), 0, note)]);

        Assert.Single(Run(inventory), f => f.CheckId == "CIS-DI-0008");
        Assert.DoesNotContain(Run(inventory, new ScanOptions { ConfigChecks = new() { BaseLayers = 1 } }), f => f.CheckId == "CIS-DI-0008");
    }

    [Fact]
    public void Package_caches_are_reported_per_layer_and_cache()
    {
        var a = Note("package-cache", "var/cache/apt/archives/curl.deb", 0b110_100_100, "apt", size: 1000);
        var b = Note("package-cache", "var/cache/apt/archives/git.deb", 0b110_100_100, "apt", size: 500);
        var c = Note("package-cache", "var/lib/apt/lists/x_Packages", 0b110_100_100, "apt-lists", size: 70);
        var inventory = Inventory(Img(layers: 2), layerNotes: [new LayerNote(Digest(101), 1, a), new LayerNote(Digest(101), 1, b), new LayerNote(Digest(101), 1, c)]);

        var findings = Run(inventory).Where(f => f.CheckId == "DKL-DI-0005").ToList();

        Assert.Equal(2, findings.Count);
        Assert.Contains("2 apt cache file(s), 1500 bytes", findings[0].Message, StringComparison.Ordinal);
        Assert.Equal("var/cache/apt/archives", findings[0].Location);
        Assert.Equal(Digest(101), findings[0].LayerDiffId);
        Assert.DoesNotContain(Run(Inventory(Img())), f => f.CheckId == "DKL-DI-0005");
    }

    [Fact]
    public void World_writable_system_files_are_reported_when_visible()
    {
        var note = Note("world-writable", "etc/app.conf", Convert.ToInt32("0666", 8), "file");
        var findings = Run(Inventory(Img(), notes: [note], layerNotes: [new LayerNote(Digest(100), 0, note)]));

        var finding = Assert.Single(findings, f => f.CheckId == "COMB-DI-0002");
        Assert.Equal("etc/app.conf", finding.Location);
        Assert.Contains("0666", finding.Message, StringComparison.Ordinal);
        Assert.Equal(Digest(100), finding.LayerDiffId);
    }

    [Theory]
    [InlineData("registry.test/app:latest", "latest", true)]
    [InlineData("registry.test/app", null, true)]
    [InlineData("registry.test/app:1.0", "1.0", false)]
    [InlineData("registry.test/app@sha256:0000000000000000000000000000000000000000000000000000000000000007", null, false)]
    public void Flags_unpinned_references(string reference, string? tag, bool fires) =>
        Assert.Equal(fires, Run(Img(reference: reference, tag: tag)).Any(f => f.CheckId == "DKL-DI-0006"));

    [Fact]
    public void Archives_are_never_unpinned() =>
        Assert.Empty(Run(Img(reference: "docker-archive:/x.tar", tag: null, sourceKind: "docker-archive")));

    [Fact]
    public void Flags_old_images_with_configurable_age()
    {
        var old = Img(created: Now.AddDays(-400));
        Assert.Contains("400 days ago", Assert.Single(Run(old)).Message, StringComparison.Ordinal);

        var recent = Img(created: Now.AddDays(-40));
        Assert.Empty(Run(Inventory(recent)));
        var strict = new ScanOptions { ConfigChecks = new() { MaxImageAgeDays = 30 } };
        Assert.Single(Run(Inventory(recent), strict), f => f.CheckId == "COMB-DI-0003");
    }

    [Fact]
    public void Reproducible_build_epoch_dates_are_not_judged() =>
        Assert.Empty(Run(Img(created: DateTimeOffset.UnixEpoch)));

    [Theory]
    [InlineData("debian", "10.13", Severity.High)]
    [InlineData("debian", "11.11", Severity.High)]
    [InlineData("debian", "12.7", Severity.Medium)]
    [InlineData("ubuntu", "20.04", Severity.Medium)]
    [InlineData("ubuntu", "25.10", Severity.High)]
    [InlineData("alpine", "3.19.4", Severity.High)]
    [InlineData("centos", "7", Severity.High)]
    [InlineData("alpine", "3.21.3", Severity.High)]
    [InlineData("redhat", "7.9", Severity.Medium)]
    [InlineData("centos", "8", Severity.High)]
    [InlineData("amazon", "2", Severity.High)]
    [InlineData("amazon", "2018.03", Severity.High)]
    [InlineData("sles", "15.5", Severity.Medium)]
    [InlineData("opensuse-leap", "15.6", Severity.High)]
    public void Flags_end_of_life_releases(string family, string version, Severity severity)
    {
        var finding = Assert.Single(Run(Inventory(Img(), os: new OsInfo { Family = family, Name = version })));

        Assert.Equal("COMB-DI-0004", finding.CheckId);
        Assert.Equal(severity, finding.Severity);
        Assert.Contains("2026-11-26", finding.Message, StringComparison.Ordinal); // the table's date is shown
    }

    [Theory]
    [InlineData("debian", "13.2")]
    [InlineData("ubuntu", "24.04")]
    [InlineData("alpine", "3.22.1")]
    [InlineData("redhat", "9.4")]
    [InlineData("rocky", "8.10")]
    [InlineData("alma", "9.5")]
    [InlineData("amazon", "2023.6.20241010")]
    [InlineData("sles", "15.7")]
    [InlineData("fedora", "40")]
    [InlineData("debian", "trixie/sid")]
    public void Supported_or_unknown_releases_pass(string family, string version) =>
        Assert.Empty(Run(Inventory(Img(), os: new OsInfo { Family = family, Name = version })));

    [Fact]
    public void The_eol_table_records_when_it_was_written()
    {
        Assert.Equal(new DateOnly(2026, 11, 26), EolTable.Default.Written);
        Assert.Contains("a70eca3", EolTable.Default.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_check_has_advice()
    {
        Assert.All(CheckCatalog.All, c =>
        {
            Assert.Matches("^(CIS|DKL|COMB)-D[IF]-[0-9]{4}$", c.Id);
            Assert.False(string.IsNullOrWhiteSpace(c.Rationale));
            Assert.False(string.IsNullOrWhiteSpace(c.Fix));
        });
        Assert.Equal(CheckCatalog.All.Count, CheckCatalog.All.Select(c => c.Id).Distinct().Count());
    }
}
