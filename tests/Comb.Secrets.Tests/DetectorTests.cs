using Comb.Contracts;
using Comb.Secrets.Engine;

namespace Comb.Secrets.Tests;

public sealed class DetectorTests
{
    private static readonly SecretScanner Scanner = SecretEngineFactory.CreateScanner(null);

    private static string RandomToken(Random random, string alphabet, int length) =>
        new([.. Enumerable.Range(0, length).Select(_ => alphabet[random.Next(alphabet.Length)])]);

    [Fact]
    public void Reports_rule_line_and_masked_value()
    {
        var text = "# settings\nuser = \"bob\"\naws_key = \"AKIAZ4XQ7LM3NB2VW5RT\"\n";
        var finding = Assert.Single(Scanner.Detector.ScanText("app/settings.ini", text));

        Assert.Equal("aws-access-key-id", finding.RuleId);
        Assert.Equal(3, finding.Line);
        Assert.Equal("AKIA************W5RT", finding.Masked);
        Assert.Equal("aws_key = \"********************\"", finding.Snippet);
    }

    [Fact]
    public void No_unmasked_secret_ever_leaves_the_detector()
    {
        var random = new Random(20261126);
        const string alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        for (var i = 0; i < 200; i++)
        {
            var secrets = new[]
            {
                "ghp_" + RandomToken(random, alnum, 36),
                "glpat-" + RandomToken(random, alnum, 20),
                "xoxb-" + RandomToken(random, "0123456789", 12) + "-" + RandomToken(random, "0123456789", 12) + "-" + RandomToken(random, alnum, 24),
                "sk_live_" + RandomToken(random, alnum, 24),
                RandomToken(random, alnum, 28),
            };
            var text = $"GITHUB_TOKEN={secrets[0]} other={secrets[1]}\nslack: {secrets[2]} stripe='{secrets[3]}'\n  db_password = \"{secrets[4]}\"\n";

            var findings = Scanner.Detector.ScanText("app/.config", text);

            Assert.True(findings.Count >= 5, $"expected every secret to be found, got {findings.Count}");
            foreach (var finding in findings)
            {
                foreach (var secret in secrets)
                {
                    // At most four characters at each end survive; any longer piece of a secret is a leak.
                    for (var start = 0; start + 9 <= secret.Length; start++)
                    {
                        var piece = secret.Substring(start, 9);
                        Assert.DoesNotContain(piece, finding.Masked, StringComparison.Ordinal);
                        Assert.DoesNotContain(piece, finding.Snippet ?? "", StringComparison.Ordinal);
                    }
                }
            }
        }
    }

    [Fact]
    public void Private_key_block_is_reported_once_with_only_its_armour_visible()
    {
        var body = string.Concat(Enumerable.Repeat("MIIEowIBAAKCAQEAx3v9QzT1pB7Yw0sKf2Rm8LqZ5nHcJ4gV6tE1uW9yXbA3dC\n", 5));
        var text = "-----BEGIN RSA PRIVATE KEY-----\n" + body + "-----END RSA PRIVATE KEY-----\n";

        var finding = Assert.Single(Scanner.Detector.ScanText("srv/key.txt", text));

        Assert.Equal("private-key", finding.RuleId);
        Assert.Equal(Severity.Critical, finding.Severity);
        Assert.Equal(2, finding.Line); // the key material starts on the line after the armour
        Assert.DoesNotContain("MIIE", finding.Masked, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("password = \"${DB_PASSWORD}\"")]
    [InlineData("api_key: <your-api-key>")]
    [InlineData("token = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")]
    [InlineData("aws_access_key_id = AKIAIOSFODNN7EXAMPLE")]
    [InlineData("secret_name = \"prod-database-credentials\"")]
    [InlineData("keyboard_layout = \"us-intl-altgr-dead-keys\"")]
    [InlineData("req.Header.Set(\"Authorization\", \"Bearer \" + token)")]
    [InlineData("<password>{COQLCE6DU6GtcS5P=}</password>")]
    [InlineData("<password>${env.MAVEN_REPO_PASS}</password>")]
    [InlineData("exports.X509KeyUsageExtension = X509KeyUsageExtension;")]
    [InlineData("this.ultraPictureBox1.Name = \"ultraPictureBoxCollection\";")]
    [InlineData("secret_name = \"HTTPServerSecretName\"")]
    [InlineData("- name: TOKEN_URL\n  value: \"https://auth.internal/token\"\n")]
    [InlineData("- name: DB_PASSWORD\n  value: \"${DB_PASSWORD}\"\n")]
    [InlineData("key: \"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE1Olb3zMAFFxXKHiIkQO5cJ3Yhl5i6UPp+IhuteBJbuHcA5UogKo0EWtlWwW6KSaKoTNEYL7JlCQiVnkhBktUgg==\"")]
    [InlineData("pip/_internal/network/auth.py,sha256=HnQ5yq2Z1j2Vv3b4u8t9JkLmNoPqRsTuVwXyZ0a1b2c,16507")]
    [InlineData("nid_key = self._lib.NID_pbe_WithSHA1And3_Key_TripleDES_CBC")]
    [InlineData("names = [\"gss_krb5_cfx_keydata\", \"gss_krb5_lucid_context_version\"]")]
    [InlineData("jdk.tls.keyLimits=AES/GCM/NoPadding KeyUpdate 2^37, \\")]
    [InlineData("keystore.pkcs12.keyProtectionAlgorithm = PBEWithHmacSHA256AndAES_256")]
    [InlineData("private_key\t= $dir/private/cakey.pem# The private key")]
    [InlineData("      _M_token = _S_token_subexpr_begin;")]
    [InlineData("typedef struct _xmlSecKeyUseWith xmlSecKeyUseWith, *xmlSecKeyUseWithPtr;")]
    [InlineData("UDateTimePatternField getFieldAndWidthIndices(const char* key, UDateTimePGDisplayWidth* widthP) const;")]
    [InlineData("    IcePoAuthFailed,\n    IcePoAuthDoneCleanup")]
    [InlineData("names = ['AVPersistableContentKeyRequest', 'AVPictureInPictureController']")]
    [InlineData("    xmlSecKeyDataFormatPkcs8Der,\n    xmlSecKeyDataFormatPkcs12,")]
    [InlineData("'w32-unregister-hot-key', 'w32-window-exists-p',")]
    [InlineData(" * @GNUTLS_PRIVKEY_X509: X.509 private key, #gnutls_x509_privkey_t.")]
    [InlineData("// specify a public key from the keys endpoint: `registry-host.tld/-/npm/v1/keys`")]
    [InlineData("  PAUTHZ_AUDIT_EVENT_TYPE_LEGACY = ^AUTHZ_AUDIT_EVENT_TYPE_LEGACY;")]
    [InlineData("  TAcquireCredentialsHandleFn = TAcquireCredentialsHandleFnW;")]
    [InlineData("\tmy $key = \"Checksums-$alg\";")]
    [InlineData("    { user name, as in http://user:passwd\\@host:port/ }")]
    public void Placeholders_and_lookalikes_are_not_reported(string line) =>
        Assert.Empty(Scanner.Detector.ScanText("app/config.yaml", line));

    [Theory]
    [InlineData("DATABASE_URL=postgres://app:S3cr3tPassw0rd@db.internal:5432/app", "database-uri-password")]
    [InlineData("mongodb+srv://admin:hunter2Longer@cluster0.example.net/test", "database-uri-password")]
    [InlineData("Server=db;Database=app;User Id=sa;Password=Yu7#kLp2qR;", "connection-string-password")]
    [InlineData("webhook: https://hooks.slack.com/services/T0A1B2C3D/B0A1B2C3D/abcDEF123ghiJKL456mnoPQR7", "slack-webhook-url")]
    [InlineData("client_secret = \"q8Zt3Lk0Pw7Nv2Xr5Yb9Hc4Jd6Gf1Sa\"", "generic-secret")]
    [InlineData("headers[\"Authorization\"] = \"Bearer k2Jd8Zq0Lm4Xv7Tb1Rw9Ps3N\";", "bearer-token")]
    [InlineData("<secret>{AQAAABAAAAAQ k7Qm2Zx9Lp4Tw8Rv1Nb6Yc3H}</secret>", "xml-credential-element")]
    [InlineData("<apiToken>Wk4r9Lq2Zt7Xv1Mp8Ns3Bd6F</apiToken>", "xml-credential-element")]
    [InlineData("cloudinary://715268876851:Vq8fR2hLk9Zx3Tn7@demo-cloud", "url-basic-auth")]
    [InlineData("codemagic_key: \"PSIYbVgfkbEPQoqJfzHpACTtihONkQ_cKmOpNDPNiCU\"", "generic-secret")]
    [InlineData("lemlist token = '24203d9f149dd02d1d944ee799cfb57e'", "generic-secret")]
    [InlineData("env:\n  - name: DB_PASSWORD\n    value: \"Yu7kLp2qRz9Wm4\"\n", "named-value-secret")]
    [InlineData("\"secrets\":[{\"name\":\"registry-password\",\"value\":\"VP2rvkuld42mr3jNjM+rVbvIzVuZxwncKWyVU5UIad\"}]", "named-value-secret")]
    [InlineData("{\"key_id\": \"abc\", \"secret\": \"q8Zt2Lr7Tv4Hn8Ws1Kd6Pf3Jz5Mb0aQw\"}", "generic-secret")]
    [InlineData("{\"provider\": \"aws\", \"secret\": \"q8Zt2Lr7Tv4Hn8Ws1Kd6Pf3Jz5Mb0aQw\"}", "generic-secret")]
    [InlineData("pairs = [(\"api_key\", \"q8Zt2Lr7Tv4Hn8Ws1Kd6Pf3Jz5Mb0aQw\")]", "generic-secret")]
    public void Finds_connection_strings_webhooks_and_generic_secrets(string line, string rule) =>
        Assert.Contains(Scanner.Detector.ScanText("app/app.env", line), f => f.RuleId == rule);

    [Theory]
    [InlineData("usr/lib/python3/dist-packages/oauthlib/parameters.py", false)]
    [InlineData("app/node_modules/some-lib/config.js", false)]
    [InlineData("usr/share/doc/tool/README", false)]
    [InlineData("root/.rustup/toolchains/stable-x86_64-unknown-linux-gnu/share/doc/rust/html/cargo/print.html", false)]
    [InlineData("root/.pyenv/versions/3.11.7/lib/python3.11/distutils/tests/test_config.py", false)]
    [InlineData("opt/tool/share/doc/tool/config.md", false)]
    [InlineData("app/lib/python/settings.py", true)]
    [InlineData("app/config/settings.py", true)]
    [InlineData("etc/myapp/app.conf", true)]
    [InlineData("root/.config/tool.ini", true)]
    public void Package_installed_trees_are_skipped_by_default_and_scanned_on_request(string path, bool scannedByDefault)
    {
        const string text = "client_secret = \"q8Zt3Lk0Pw7Nv2Xr5Yb9Hc4Jd6Gf1Sa\"\n";
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        var meta = new FileMeta { Path = path, Kind = FileKind.Regular, Size = bytes.Length };
        Assert.Equal(scannedByDefault, Scanner.IsRequired(meta) && Scanner.Scan(meta, bytes, null).Count > 0);
        var everywhere = SecretEngineFactory.CreateScanner(new Config.SecretConfig { UseDefaultAllowPaths = false });
        Assert.True(everywhere.IsRequired(meta));
        Assert.NotEmpty(everywhere.Scan(meta, bytes, null));
    }

    [Fact]
    public void A_generic_value_that_repeats_itself_is_typed_not_generated_but_a_vendor_format_still_counts()
    {
        const string repeated = "HGM724ngha9785NGKbbar6jk76mnLL80BHJnabyhdngha9785NGKbb6jk76mnLL8";
        const string random = "HGM724ngha9785NGKbbar6jk76mnLL80BHJnabyhdq2Zt4Wx8Rp1Vy5Lk3Jm9Tc";
        const string githubWithRepeats = "ghp_aB3dE5gH7jK9aB3dE5gH7jK9aB3dE5gH7jK9";

        Assert.Empty(Scanner.Detector.ScanText("app/a.json", $"\"api_key\": \"{repeated}\"\n"));
        Assert.Equal("generic-secret", Assert.Single(Scanner.Detector.ScanText("app/a.json", $"\"api_key\": \"{random}\"\n")).RuleId);
        Assert.Single(Scanner.Detector.ScanText("app/a.env", $"GH={githubWithRepeats}\n"));
    }

    [Theory]
    [InlineData("abcdefghij0123456789abcdefghij", true)]
    [InlineData("k9Xq2Lr7Tv4Hn8Ws1Kd6Pf3Jz5Mb0aQw", false)]
    [InlineData("short", false)]
    public void Repeated_chunks_are_found(string value, bool repeated) =>
        Assert.Equal(repeated, GeneratedValueShape.HasRepeatedChunk(value));

    [Theory]
    [InlineData("AWS_REGION", true)]
    [InlineData("_HTTP_2_ENABLED", true)]
    [InlineData("X25519_KEY_SIZE", true)]
    [InlineData("API_KEYN2B1NFN5CP6CK5BJHY8B15YF535TP681", false)]
    [InlineData("NOUNDERSCORE", false)]
    [InlineData("Mixed_Case", false)]
    [InlineData("TRAILING_", false)]
    public void Constant_names_are_told_from_random_upper_case_tokens(string value, bool constant) =>
        Assert.Equal(constant, GeneratedValueShape.IsConstantName(value));

    [Fact]
    public void Maven_settings_credentials_in_xml_comments_are_documentation()
    {
        const string settings = "<settings>\n<!-- a sample server:\n<server>\n  <password>repopwd</password>\n</server>\n-->\n<servers><server><password>Qz8rLive7Pass</password></server></servers>\n<!-- unclosed <password>other</password>\n";

        var finding = Assert.Single(Scanner.Detector.ScanText("root/.m2/settings.xml", settings));

        Assert.Equal("maven-settings-password", finding.RuleId);
        Assert.Equal(7, finding.Line);
    }

    [Fact]
    public void Binary_content_is_skipped()
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes("\0\0\0ghp_" + new string('a', 10) + "Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk");
        Assert.Empty(Scanner.Detector.ScanBytes("bin/tool", bytes));
    }

    [Fact]
    public void Hostile_input_finishes_without_hanging()
    {
        var text = "password=" + new string('a', 2_000_000) + "\n" + string.Concat(Enumerable.Repeat("key: = = = = \"", 50_000));
        _ = Scanner.Detector.ScanText("x.txt", text); // must return (regex timeouts bound the worst case)
    }
}
