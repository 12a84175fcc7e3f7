using System.Text;
using Comb.Contracts;
using Comb.Image.Registry;

namespace Comb.Image.Tests.Registry;

public sealed class CredentialResolverTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("comb-creds-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string WriteConfig(string json)
    {
        var path = Path.Combine(_dir.FullName, "config.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void Reads_base64_auth_and_splits_at_the_first_colon()
    {
        var path = WriteConfig($$$$"""{"auths":{"https://reg.example:5000/v1/":{"auth":"{{{{B64("alice:pa:ss")}}}}"}}}""");

        var credentials = RegistryCredentialResolver.FromDockerConfig(path, "reg.example:5000");

        Assert.NotNull(credentials);
        Assert.Equal("alice", credentials.Username);
        Assert.Equal("pa:ss", credentials.Password);
        Assert.DoesNotContain("pa:ss", credentials.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Reads_username_and_password_fields()
    {
        var path = WriteConfig("""{"auths":{"reg.example":{"username":"bob","password":"secret"}}}""");

        var credentials = RegistryCredentialResolver.FromDockerConfig(path, "reg.example");

        Assert.Equal(("bob", "secret"), (credentials?.Username, credentials?.Password));
    }

    [Fact]
    public void Docker_hub_uses_the_index_docker_io_v1_key()
    {
        var path = WriteConfig($$$$"""{"auths":{"other.example":{"auth":"{{{{B64("x:y")}}}}"},"https://index.docker.io/v1/":{"auth":"{{{{B64("hub:pw")}}}}"}}}""");

        Assert.Equal("hub", RegistryCredentialResolver.FromDockerConfig(path, "docker.io")?.Username);
        Assert.Null(RegistryCredentialResolver.FromDockerConfig(path, "ghcr.io"));
    }

    [Fact]
    public void Entries_without_credentials_are_ignored()
    {
        var path = WriteConfig("""{"auths":{"reg.example":{}},"credsStore":"desktop"}""");
        Assert.Null(RegistryCredentialResolver.FromDockerConfig(path, "reg.example"));
    }

    [Fact]
    public void Broken_config_gives_a_clear_error()
    {
        var notJson = WriteConfig("{ not json");
        Assert.Contains("not valid JSON", Assert.Throws<CombInputException>(() => RegistryCredentialResolver.FromDockerConfig(notJson, "x")).Message, StringComparison.Ordinal);

        var badAuth = WriteConfig("""{"auths":{"x":{"auth":"***"}}}""");
        Assert.Contains("not valid base64", Assert.Throws<CombInputException>(() => RegistryCredentialResolver.FromDockerConfig(badAuth, "x")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Flags_win_over_environment_which_wins_over_docker_config()
    {
        var path = WriteConfig($$$$"""{"auths":{"reg":{"auth":"{{{{B64("config-user:c")}}}}"}}}""");
        var env = new Dictionary<string, string> { ["COMB_USERNAME"] = "env-user", ["COMB_PASSWORD"] = "e" };
        var resolver = new RegistryCredentialResolver(name => env.GetValueOrDefault(name));

        Assert.Equal("flag-user", resolver.Resolve("reg", new ImageOpenOptions { Username = "flag-user", Password = "f", DockerConfigPath = path })?.Username);
        Assert.Equal("env-user", resolver.Resolve("reg", new ImageOpenOptions { DockerConfigPath = path })?.Username);

        env.Clear();
        Assert.Equal("config-user", resolver.Resolve("reg", new ImageOpenOptions { DockerConfigPath = path })?.Username);
    }

    [Fact]
    public void Default_config_comes_from_DOCKER_CONFIG_then_HOME()
    {
        var dockerConfigDir = Directory.CreateDirectory(Path.Combine(_dir.FullName, "dc")).FullName;
        File.WriteAllText(Path.Combine(dockerConfigDir, "config.json"), $$$$"""{"auths":{"reg":{"auth":"{{{{B64("from-docker-config:p")}}}}"}}}""");
        var home = Directory.CreateDirectory(Path.Combine(_dir.FullName, "home", ".docker")).Parent!.FullName;
        File.WriteAllText(Path.Combine(home, ".docker", "config.json"), $$$$"""{"auths":{"reg":{"auth":"{{{{B64("from-home:p")}}}}"}}}""");

        var withDockerConfig = new RegistryCredentialResolver(n => n switch { "DOCKER_CONFIG" => dockerConfigDir, "HOME" => home, _ => null });
        var withHomeOnly = new RegistryCredentialResolver(n => n == "HOME" ? home : null);
        var withNothing = new RegistryCredentialResolver(_ => null);

        Assert.Equal("from-docker-config", withDockerConfig.Resolve("reg", new ImageOpenOptions())?.Username);
        Assert.Equal("from-home", withHomeOnly.Resolve("reg", new ImageOpenOptions())?.Username);
        Assert.Null(withNothing.Resolve("reg", new ImageOpenOptions()));
    }
}

public sealed class CredentialHelperTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("comb-helper-");

    public void Dispose() => _dir.Delete(recursive: true);

    /// <summary>Writes a fake docker-credential-NAME script that answers for one server URL only.</summary>
    private void WriteHelper(string name, string server, string json)
    {
        var path = Path.Combine(_dir.FullName, "docker-credential-" + name);
        File.WriteAllText(path, $"""
            #!/bin/sh
            [ "$1" = get ] || exit 2
            read -r url
            if [ "$url" = "{server}" ]; then echo '{json}'; exit 0; fi
            echo "credentials not found in native keychain"; exit 1
            """.Replace("\r", string.Empty, StringComparison.Ordinal) + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private string WriteConfig(string json)
    {
        var path = Path.Combine(_dir.FullName, "config.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void Uses_cred_helpers_then_creds_store_and_falls_back_to_auths()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "shell-script helper");
        WriteHelper("perhost", "reg.example", """{"ServerURL":"reg.example","Username":"helper-user","Secret":"s1"}""");
        WriteHelper("store", "https://index.docker.io/v1/", """{"ServerURL":"x","Username":"<token>","Secret":"refresh"}""");
        var path = WriteConfig("""
            {"credHelpers":{"reg.example":"perhost"},"credsStore":"store",
             "auths":{"other.example":{"auth":"b3RoZXI6cHc="}}}
            """);
        var env = (Func<string, string?>)(n => n == "PATH" ? _dir.FullName : null);

        var perHost = RegistryCredentialResolver.FromDockerConfig(path, "reg.example", env);
        var hub = RegistryCredentialResolver.FromDockerConfig(path, "docker.io", env);
        var fallback = RegistryCredentialResolver.FromDockerConfig(path, "other.example", env);

        Assert.Equal(("helper-user", "s1"), (perHost?.Username, perHost?.Password));
        Assert.Contains("docker-credential-perhost", perHost!.Source, StringComparison.Ordinal);
        Assert.Equal("refresh", hub?.IdentityToken);
        Assert.Equal("other", fallback?.Username);
    }

    [Fact]
    public void A_helper_that_is_not_installed_falls_back_to_auths()
    {
        var path = WriteConfig("""{"credsStore":"desktop","auths":{"reg":{"username":"u","password":"p"}}}""");

        var credentials = RegistryCredentialResolver.FromDockerConfig(path, "reg", n => n == "PATH" ? _dir.FullName : null);

        Assert.Equal("u", credentials?.Username);
    }

    [Fact]
    public async Task A_helper_that_hangs_is_ended_when_the_caller_cancels()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "shell-script helper");

        // Given a helper that answers only after a minute, and writes its pid so the test can see it end
        var pidFile = Path.Combine(_dir.FullName, "helper.pid");
        var helper = Path.Combine(_dir.FullName, "docker-credential-slow");
        File.WriteAllText(helper, $"#!/bin/sh\necho $$ > '{pidFile}'\nexec sleep 60\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(helper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var path = WriteConfig("""{"credsStore":"slow"}""");
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        // When the lookup is cancelled once the helper runs
        var lookup = RegistryCredentialResolver.FromDockerConfigAsync(path, "reg", n => n == "PATH" ? _dir.FullName : null, cancel.Token);
        while (!File.Exists(pidFile) || new FileInfo(pidFile).Length == 0)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        await cancel.CancelAsync();

        // Then the caller gets a cancellation, not a 15 s wait, and the helper process is gone
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => lookup);
        var pid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.False(Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal));
    }
}
