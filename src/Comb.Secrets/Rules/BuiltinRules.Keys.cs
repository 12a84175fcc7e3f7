using Comb.Contracts;
using static Comb.Secrets.Rules.RuleBuilder;

namespace Comb.Secrets.Rules;

public static partial class BuiltinRules
{
    private static IEnumerable<SecretRule> Keys()
    {
        const string c = "private-key";
        const string auth = "auth-token";

        // Any PEM/PGP private key block with a body: RSA, EC, DSA, OPENSSH, PKCS#8, ENCRYPTED, PGP.
        // The body may hold single dashes (Proc-Type, DEK-Info) but never a run of five: that is the
        // next armour line, so an empty block cannot swallow the key after it.
        yield return R("private-key", "Private key", c, Crit, "private key",
            @"-----BEGIN[ A-Z0-9_\-]{0,60}PRIVATE KEY(?: BLOCK)?-----\s*(?<secret>(?:[^\-]|-{1,4}[^\-]){12,}?)\s*-----END[ A-Z0-9_\-]{0,60}PRIVATE KEY(?: BLOCK)?-----")
            with { KeepPlaceholders = true };
        // The same in a JSON/YAML string with escaped newlines (service account files, k8s manifests).
        yield return T("age-secret-key", "age encryption secret key", c, Crit, "age-secret-key-1", "AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}", null, wordStart: false);
        yield return R("putty-private-key", "PuTTY private key", c, Crit, "putty-user-key-file",
            @"PuTTY-User-Key-File-[23]:[^\r\n]*\r?\nEncryption:[^\r\n]*\r?\n[\s\S]{0,400}?Private-Lines:\s*\d+\r?\n(?<secret>[A-Za-z0-9+/=\r\n]{40,})");

        yield return T("jwt", "JSON Web Token", auth, Med, "ey",
            @"ey[A-Za-z0-9]{17,}\.ey[A-Za-z0-9/\\_\-]{17,}\.(?:[A-Za-z0-9/\\_\-]{10,}={0,2})?", 3);
        // A JWT that was base64-encoded once more: "eyJ" becomes "ZXlK", and the ".eyJ" between header and
        // payload becomes one of three fixed strings depending on its alignment.
        yield return R("jwt-base64", "Base64-encoded JSON Web Token", auth, Med, "zxlk",
            @"\b(?<secret>ZXlK[A-Za-z0-9+/_\-]{4,}?(?:LmV5S|5leU|uZXlK)[A-Za-z0-9+/_\-\r\n]{20,}={0,2})", 2);
        yield return R("curl-auth-header", "Credential in a curl authorization header", auth, High, "curl",
            @"\bcurl\b(?:[^\r\n]*\r?\n){0,5}?[^\r\n]*?[ \t](?:-H|--header)(?:=|[ \t]{1,5})(?<q>[""'])(?i:authorization:[ \t]*(?:basic[ \t]+(?<secret>[A-Za-z0-9+/]{8,}={0,3})|(?:bearer|(?:api-)?token)[ \t]+(?<secret>[\w=~@.+/\-]{8,})|(?<secret>[\w=~@.+/\-]{8,}))|(?:x-(?:[a-z]+-)?)?(?:api-?)?(?:key|token):[ \t]*(?<secret>[\w=~@.+/\-]{8,}))[""']",
            2.75);
        yield return R("curl-auth-user", "Credential in curl --user", auth, High, "curl",
            @"\bcurl\b(?:[^\r\n]*\\\r?\n){0,8}?[^\r\n]*?[ \t](?:-u|--user)(?:=|[ \t]{1,5})(?<secret>""[^""\s]*:[^""\s]*""|'[^'\s]*:[^'\s]*'|(?:""[^""\r\n]+""|'[^'\r\n]+'|[\w$@.\-{}]+):(?:""[^""\r\n]+""|'[^'\r\n]+'|[^\s""']+))(?:\s|\z)",
            2) with
        {
            AllowValues =
            [
                // a bare variable or template for the password (or both parts)
                @"^['""]?[^:]*['""]?:['""]?(?:\$\{?\w+\}?|\$\{\{[^}]*\}\}|\{\{[^}]*\}\})['""]?$",
                @"\{\{|\$\(",
                // obvious demo passwords
                @"(?i):['""]?(?:pass(?:word|wd)?|pwd|test|secret|token|changeme|changeit|\*+|x+)['""]?$",
                // <user:password>, [PASSWORD]
                @"[<>\[\]]",
                // fewer than three characters on both sides
                @"^['""]?.{0,2}:.{0,2}['""]?$",
            ],
        };
        yield return R("basic-auth-header", "HTTP Basic credentials in an Authorization header", auth, High, "authorization",
            @"(?i)\bauthorization[""']?\s*[:=]\s*[""']?basic\s+(?<secret>[A-Za-z0-9+/]{16,}={0,2})(?:[\s""';,]|\z)", 3);
        yield return R("kubernetes-secret-yaml", "Kubernetes Secret manifest with data", "kubernetes", High, "secret",
            @"(?im)^[ \t]*kind:[ \t]*[""']?secret[""']?[ \t]*\r?$(?:\n(?![ \t]*---)[^\n]*){0,40}?\n[ \t]*(?:data|stringData):[ \t]*\r?\n(?:[ \t]*#[^\n]*\n)*[ \t]+[\w.\-]+:[ \t]*(?:[|>][-+]?[ \t]*\r?\n[ \t]*)?[""']?(?<secret>[a-z0-9+/]{10,}={0,3})[""']?[ \t]*\r?$"
            + @"|^[ \t]*(?:data|stringData):[ \t]*\r?\n(?:[ \t]*#[^\n]*\n)*[ \t]+[\w.\-]+:[ \t]*(?:[|>][-+]?[ \t]*\r?\n[ \t]*)?[""']?(?<secret>[a-z0-9+/]{10,}={0,3})[""']?[ \t]*\r?$(?:\n(?![ \t]*---)[^\n]*){0,40}?\n[ \t]*kind:[ \t]*[""']?secret[""']?[ \t]*\r?$")
            with { PathPattern = @"(?i)\.ya?ml$" };
    }

    private static IEnumerable<SecretRule> Connections()
    {
        yield return R("dockerconfig-secret", "Docker registry credentials in a manifest", "kubernetes", High, ".dockerc",
            @"(?i)\.docker(?:configjson|cfg)[""']?\s*:\s*[""']?(?<secret>[A-Za-z0-9+/=]{8,})");
        // Docker client config JSON anywhere (files, env values, CI settings), escaped or not.
        yield return R("docker-registry-auth", "Registry credentials in Docker config JSON", "package-registry", High, "auths",
            @"\\?""auths\\?""\s*:\s*\{[\s\S]{0,400}?\\?""(?:auth|identitytoken)\\?""\s*:\s*\\?""(?<secret>[A-Za-z0-9+/]{12,}={0,2})\\?""", 3);
        yield return R("maven-settings-password", "Plain-text password in Maven settings", "package-registry", High, "<password>,<passphrase>",
            @"<(?<tag>password|passphrase)>\s*(?<secret>[^<{}\s$][^<]{2,}?)\s*</(?:password|passphrase)>") with
        {
            PathPattern = @"(?i)(?:^|/)(?:settings|settings-security)\.xml$",
            // Maven's own settings.xml, as distributions install it, documents servers and proxies in comments.
            IgnoreXmlComments = true,
        };
        yield return R("maven-settings-security-master", "Plain-text Maven master password", "package-registry", High, "<master>",
            @"<master>\s*(?<secret>[^<{}\s][^<]{2,}?)\s*</master>") with { PathPattern = @"(?i)(?:^|/)settings-security\.xml$", IgnoreXmlComments = true };

        const string c = "database";
        // user:password@ in a URI; the password is the secret. Placeholders and variables are dropped.
        string[] demoPasswords =
        [
            @"^(?i:pass(?:word|wd)?|pwd|secret|changeme|changeit|test|user|username|admin|root|example|dbpass|db_password|mypassword|yourpassword|p@ssw0rd|xxx+|\*+|\.\.\.)\\?$", // "\@" escapes the @ in Perl and Pascal strings
            @"^(?:\$\{?[\w.]+\}?|\{\{.*\}\}|%\w+%|<[^>]*>|\[[^\]]*\]|\$\([^)]*\))$",
        ];
        yield return R("database-uri-password", "Password in a database connection URI", c, Crit,
            "postgres,mysql,mariadb,mongodb,redis,amqp,mssql,sqlserver,clickhouse,cockroach,couchdb,neo4j,jdbc",
            @"(?i)\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|clickhouse|cockroachdb|couchdbs?|neo4j(?:\+s)?|bolt|jdbc:[a-z0-9]+)://(?<user>[^\s:@/'""`]{1,64}):(?<secret>[^\s@/'""`]{3,128})@[^\s'""`/]{1,255}")
            with { AllowValues = demoPasswords };
        yield return R("url-basic-auth", "Password embedded in a URL", c, High, "://",
            @"(?i)\b(?:https?|ftps?|sftp|smtps?|ldaps?|git|ssh|[a-z][a-z0-9+.\-]{1,24})://(?<user>[\w.%\-+]{1,64}):(?<secret>[^\s@/'""`:]{3,128})@[\w.\-]{1,253}(?:[:/\s'""`]|\z)", 2.5)
            with { AllowValues = demoPasswords };
        yield return R("connection-string-password", "Password in a connection string", c, High, "password=,pwd=",
            @"(?i)\b(?:server|data source|host|address|addr|network address)\s*=[^;\r\n]{1,200};(?:[^;\r\n]*;){0,10}?\s*(?:password|pwd)\s*=\s*(?<secret>[^;'""\s]{3,128})", 2)
            with { AllowValues = demoPasswords };
    }

    private static IEnumerable<SecretRule> Generic()
    {
        yield return GenericShape("generic-secret", "Generic secret assignment",
            "secret,token,passw,pwd,apikey,api_key,api-key,auth,credential,creds,key", GenericRule.Pattern, 3.5) with
        {
            MinHexEntropy = 3.0,
            AllowMatches = GenericRule.NameAllowList,
            AllowLines = GenericRule.LineAllowList,
        };

        // "Authorization: Bearer <token>" and "Bearer <token>" strings in code and config, whoever issued the token.
        yield return GenericShape("bearer-token", "Bearer token in an authorization value", "bearer",
            @"(?i)\bbearer[ \t]+(?<secret>[A-Za-z0-9\-._~+/]{16,}=*)" + TokenEnd, 3.5);

        // Name/value pairs whose name says secret: Kubernetes and compose env lists, ECS task definitions,
        // Container Apps secrets. The generic rule misses them because the keyword sits in the name's value.
        const string secretName = @"[\w.\-]*(?:passw(?:or)?d|secret|token|api[_\-]?key|apikey|access[_\-]?key|credential|auth)(?![_.\-]?(?:names?|ids?|urls?|uris?|files?|paths?|refs?|types?|keys?|length|size)\b)[\w.\-]*";
        yield return GenericShape("named-value-secret", "Secret in a name/value pair", "passw,secret,token,apikey,api_key,api-key,access_key,credential,auth",
            @"(?i)(?:""name""\s*:\s*""" + secretName + @"""\s*,\s*""value""\s*:\s*""(?<secret>[^""\s]{8,250})""" +
            @"|(?m:^)[ \t]*-?[ \t]*name:[ \t]*[""']?" + secretName + @"[""']?[ \t]*\r?\n[ \t]*value:[ \t]*[""']?(?<secret>[^\s""'#]{8,250}))", 3.0);

        // Credential elements in XML configuration: Jenkins credentials.xml (encrypted, but the key sits in the
        // same JENKINS_HOME), Maven and NuGet-style settings, application server configs.
        const string tags = "secret|password|passwd|api-?token|api-?key|private-?key|client-?secret|secret-?key|access-?token|secret-?access-?key";
        yield return GenericShape("xml-credential-element", "Credential in an XML element",
            "<secret>,<password>,<passwd>,<apitoken>,<api-token>,<apikey>,<api-key>,<privatekey>,<clientsecret>,<client-secret>,<secretkey>,<secret-key>,<accesstoken>,<access-token>,<secretaccesskey>",
            $@"(?i)<(?:{tags})>\s*(?<secret>[^<>\s$](?:[^<>\r\n]{{6,1000}}?))\s*</(?:{tags})>", 3.2) with
        {
            // {base64} alone is Maven's encrypted form: only the master password in settings-security.xml opens it.
            AllowValues = [.. GenericRule.ValueAllowList, @"^\{[A-Za-z0-9+/=]{8,}\}$"],
            IgnoreXmlComments = true,
        };
    }

    /// <summary>A medium-severity generic rule with the generic value allow-list and stopwords; it yields to specific rules.</summary>
    private static SecretRule GenericShape(string id, string title, string keywords, string pattern, double entropy) =>
        R(id, title, "generic", Med, keywords, pattern, entropy) with
        {
            IsGeneric = true,
            AllowValues = GenericRule.ValueAllowList,
            Stopwords = GenericRule.Stopwords,
        };
}
