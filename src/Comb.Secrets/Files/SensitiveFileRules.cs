using System.Text;
using Comb.Contracts;

namespace Comb.Secrets.Files;

/// <summary>The built-in file rules: credential files, key stores, histories, databases, backups, repositories.</summary>
public static class SensitiveFileRules
{
    /// <summary>How much of a file the content checks look at.</summary>
    public const int SniffBytes = 64 * 1024;

    private const string SensitiveBaseNames =
        @"(?:\.env(?:\.[\w\-]+)?|id_(?:rsa|dsa|ecdsa|ed25519)|\.pgpass|\.netrc|\.npmrc|\.pypirc|\.git-credentials|\.htpasswd|credentials(?:\.json)?|secrets?\.(?:ya?ml|json|toml|env)|config\.json|kubeconfig|[\w.\-]+\.(?:pem|key|p12|pfx|jks|keystore|tfstate|sqlite3?|db|sql|kdbx)|wp-config\.php|settings\.py|database\.yml|application(?:-\w+)?\.(?:properties|ya?ml)|appsettings(?:\.\w+)?\.json|web\.config|shadow|gshadow|master\.key)";

    public static IReadOnlyList<SensitiveFileRule> All { get; } =
    [
        new() { Id = "ssh-private-key-file", Title = "SSH private key file", Category = "private-key", Severity = Severity.Critical,
            PathPattern = @"(?:^|/)id_(?:rsa|dsa|ecdsa|ed25519)(?:_sk)?$", YieldsToCategory = "private-key" },
        new() { Id = "ssh-host-private-key", Title = "SSH host private key baked into the image", Category = "private-key", Severity = Severity.High,
            PathPattern = @"(?:^|/)ssh_host_[a-z0-9]+_key$", YieldsToCategory = "private-key" },
        new() { Id = "private-key-file", Title = "Private key file", Category = "private-key", Severity = Severity.High,
            PathPattern = @"(?i)\.(?:pem|key|ppk)$", ContentPattern = @"PRIVATE KEY-----|PuTTY-User-Key-File", YieldsToCategory = "private-key" },
        new() { Id = "keystore-file", Title = "Key store (PKCS#12 / Java key store)", Category = "keystore", Severity = Severity.High,
            PathPattern = @"(?i)(?:^|/)[^/]+\.(?:p12|pfx|jks|keystore|bks|jceks)$" },
        new() { Id = "pgpass-file", Title = "PostgreSQL password file (.pgpass)", Category = "credentials-file", Severity = Severity.High,
            PathPattern = @"(?:^|/)\.pgpass$", MinSize = 1 },
        new() { Id = "aws-credentials-file", Title = "AWS credentials file", Category = "credentials-file", Severity = Severity.Critical,
            PathPattern = @"(?:^|/)(?:\.aws/)?credentials$", ContentPattern = @"(?i)aws_(?:secret_access_key|access_key_id|session_token)\s*=\s*\S" },
        new() { Id = "npmrc-auth", Title = ".npmrc with registry credentials", Category = "credentials-file", Severity = Severity.High,
            PathPattern = @"(?:^|/)\.npmrc$", ContentPattern = @"(?im)_(?:auth|authToken|password)\s*=\s*[^\s$]" },
        new() { Id = "pypirc-password", Title = ".pypirc with a password", Category = "credentials-file", Severity = Severity.High,
            PathPattern = @"(?:^|/)\.pypirc$", ContentPattern = @"(?im)^\s*password\s*[=:]\s*\S" },
        new() { Id = "netrc-password", Title = ".netrc with a password", Category = "credentials-file", Severity = Severity.High,
            PathPattern = @"(?:^|/)[._]netrc$", ContentPattern = @"(?i)\bpassword\s+\S" },
        new() { Id = "git-credentials-file", Title = "Git credential store (.git-credentials)", Category = "credentials-file", Severity = Severity.Critical,
            PathPattern = @"(?:^|/)\.git-credentials$", ContentPattern = @"://[^:/\s]+:[^@\s]+@" },
        new() { Id = "dotenv-file", Title = "Environment file (.env) with values", Category = "credentials-file", Severity = Severity.Medium,
            PathPattern = @"(?:^|/)\.env(?:\.[\w\-]+)?$", ContentPattern = @"(?m)^[ \t]*(?:export[ \t]+)?[A-Za-z_][A-Za-z0-9_]*[ \t]*=[ \t]*[^\s#]",
            AllowPaths = [@"(?i)\.env\.(?:example|sample|template|dist|defaults?|schema)$"] },
        new() { Id = "kubeconfig-credentials", Title = "kubeconfig with credentials", Category = "credentials-file", Severity = Severity.High,
            PathPattern = @"(?:^|/)(?:\.kube/config|kubeconfig(?:\.ya?ml)?|[\w\-]*\.kubeconfig)$",
            ContentPattern = @"(?m)^\s*(?:token|client-key-data|password|client-key|auth-provider):\s*\S" },
        new() { Id = "docker-config-auth", Title = "Docker client config with registry credentials", Category = "credentials-file", Severity = Severity.High,
            PathPattern = @"(?:^|/)\.docker/config\.json$|(?:^|/)\.dockercfg$", ContentPattern = @"""(?:auth|identitytoken|registrytoken)""\s*:\s*""[^""]{4,}""" },
        new() { Id = "htpasswd-file", Title = "htpasswd password hashes", Category = "credentials-file", Severity = Severity.Medium,
            PathPattern = @"(?:^|/)\.htpasswd$", ContentPattern = @"(?m)^[^:\s]+:\S+" },
        new() { Id = "mysql-client-password", Title = "MySQL client config with a password", Category = "credentials-file", Severity = Severity.High,
            PathPattern = @"(?:^|/)\.my\.cnf$", ContentPattern = @"(?im)^\s*password\s*=\s*\S" },
        new() { Id = "s3cfg-credentials", Title = "s3cmd config with keys", Category = "credentials-file", Severity = Severity.High,
            PathPattern = @"(?:^|/)\.s3cfg$", ContentPattern = @"(?im)^\s*secret_key\s*=\s*\S" },
        new() { Id = "vault-token-file", Title = "HashiCorp Vault token file", Category = "credentials-file", Severity = Severity.High,
            PathPattern = @"(?:^|/)\.vault-token$", MinSize = 1 },
        new() { Id = "gcloud-credentials", Title = "Google Cloud SDK credentials", Category = "credentials-file", Severity = Severity.High,
            PathPattern = @"(?:^|/)(?:\.config/gcloud/(?:credentials\.db|access_tokens\.db|legacy_credentials/.+)|application_default_credentials\.json)$" },
        new() { Id = "azure-cli-tokens", Title = "Azure CLI token cache", Category = "credentials-file", Severity = Severity.High,
            PathPattern = @"(?:^|/)\.azure/(?:accessTokens\.json|msal_token_cache\.(?:json|bin))$" },
        new() { Id = "terraform-state", Title = "Terraform state file (often holds secrets)", Category = "sensitive-data", Severity = Severity.Medium,
            PathPattern = @"(?:^|/)[^/]*\.tfstate(?:\.backup)?$" },
        new() { Id = "shell-history", Title = "Shell or client history file", Category = "history", Severity = Severity.Medium,
            PathPattern = @"(?:^|/)(?:\.(?:bash|zsh|sh|ash|ksh|psql|mysql|sqlite|python|node_repl|rediscli|irb|pry|lesshst|mongo|dbshell|scala)_?history|\.history|fish_history|\.local/share/fish/fish_history|ConsoleHost_history\.txt)$",
            MinSize = 1 },
        new() { Id = "database-dump", Title = "SQL database dump", Category = "sensitive-data", Severity = Severity.Medium,
            PathPattern = @"(?i)\.(?:sql|dump|pgsql|mysql)$",
            ContentPattern = @"(?i)--\s*(?:PostgreSQL database dump|MySQL dump|MariaDB dump|Dump completed)|^PRAGMA foreign_keys=OFF;\s*BEGIN TRANSACTION;|(?s)CREATE TABLE.{0,20000}?INSERT INTO.{0,2000}?INSERT INTO.{0,2000}?INSERT INTO",
            AllowPaths = [@"(?:^|/)usr/(?:share|lib)/", @"(?i)(?:^|/)(?:migrations?|schema|fixtures?|tests?|examples?)/"] },
        new() { Id = "sqlite-database", Title = "SQLite database file", Category = "sensitive-data", Severity = Severity.Low,
            PathPattern = @"(?i)\.(?:sqlite3?|db3?|sdb)$", Magic = Encoding.ASCII.GetBytes("SQLite format 3\0"),
            AllowPaths = [@"(?:^|/)(?:var/lib/rpm|usr/lib/sysimage/rpm|var/cache|usr/share|usr/lib|var/lib/(?:dpkg|apt|PackageKit|systemd|dnf|yum))/", @"(?i)(?:^|/)[^/]*(?:cache|thumbnail|index|fontconfig)[^/]*$"] },
        new() { Id = "backup-of-sensitive-file", Title = "Backup copy of a sensitive file", Category = "sensitive-data", Severity = Severity.Medium,
            PathPattern = @"(?i)(?:^|/)" + SensitiveBaseNames + @"(?:\.(?:bak|backup|old|orig|save|swp|tmp|copy|\d+)|~)$" },
        new() { Id = "git-directory", Title = "Git repository metadata (.git) in the image", Category = "source-control", Severity = Severity.Medium,
            PathPattern = @"(?:^|/)\.git/HEAD$" },
        new() { Id = "keepass-database", Title = "KeePass password database", Category = "keystore", Severity = Severity.High,
            PathPattern = @"(?i)\.kdbx?$" },
    ];
}
