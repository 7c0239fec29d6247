/*
** remote_url.c: URLs of the federated layer, in SQLAlchemy's create_engine form.
**
** Usage:
**   OrmRemoteUrl *pUrl;
**   rc = sqlormRemoteUrlParse("postgresql+psycopg2://app:pw@127.0.0.1:5432/shop?sslmode=disable",
**                             &pUrl, &zErr);
**   pUrl->zDialect ("postgresql"), zDriver ("psycopg2"), zUser, zPassword, zHost, iPort,
**   zDatabase, optKey/optVal ({"sslmode"}/{"disable"}), zRedacted (the password as ***)
**   sqlormRemoteUrlFree(pUrl);
**
** Forms: dialect[+driver]://[user[:password]@][host][:port][/database][?k=v&...], with
** %XX escapes in user, password, database and query values; host may be [ipv6]. sqlite:
** sqlite:///relative/path, sqlite:////absolute/path, sqlite:///:memory: (as SQLAlchemy).
** Dialects: postgresql (postgres, pgsql, psql accepted), mysql, mariadb (read as mysql),
** sqlite. Errors name what is wrong and show the URL redacted, never its password.
*/
#include "remote.h"
#include <string.h>
#include <stdlib.h>

void sqlormRemoteUrlFree(OrmRemoteUrl *p){
  if( p==0 ) return;
  sqlite3_free(p->zDialect);
  sqlite3_free(p->zDriver);
  sqlite3_free(p->zUser);
  if( p->zPassword ){
    /* Not left in freed memory. */
    memset(p->zPassword, 0, strlen(p->zPassword));
    sqlite3_free(p->zPassword);
  }
  sqlite3_free(p->zHost);
  sqlite3_free(p->zDatabase);
  sqlormNamesClear(&p->optKey);
  sqlormNamesClear(&p->optVal);
  sqlite3_free(p->zRedacted);
  sqlite3_free(p);
}

void sqlormRemoteColsFree(OrmRemoteCol *a, int n){
  int i;
  if( a==0 ) return;
  for(i=0; i<n; i++){
    sqlite3_free(a[i].zName);
    sqlite3_free(a[i].zRemoteType);
    sqlite3_free(a[i].zCollate);
  }
  sqlite3_free(a);
}

/* The value of query parameter zKey, or NULL. */
const char *sqlormRemoteUrlOpt(const OrmRemoteUrl *p, const char *zKey){
  int i;
  for(i=0; i<p->optKey.n; i++){
    if( strcmp(p->optKey.az[i], zKey)==0 ) return p->optVal.az[i];
  }
  return 0;
}

static int urlIsSecretKey(const char *z, int n);

/* Whether the URL holds a password (in its authority or as a query option). */
int sqlormRemoteUrlHasPassword(const OrmRemoteUrl *p){
  int i;
  if( p->zPassword ) return 1;
  for(i=0; i<p->optKey.n; i++){
    if( urlIsSecretKey(p->optKey.az[i], (int)strlen(p->optKey.az[i])) ) return 1;
  }
  return 0;
}

static int urlHex(char c){
  if( c>='0' && c<='9' ) return c-'0';
  if( c>='a' && c<='f' ) return c-'a'+10;
  if( c>='A' && c<='F' ) return c-'A'+10;
  return -1;
}

/* z[0..n) with %XX decoded (and '+' as a blank when bPlus, in query values), or NULL with
** *pRc set: SQLITE_NOMEM, or SQLITE_ERROR for a bad escape or an escaped NUL. */
static char *urlDecode(const char *z, int n, int bPlus, int *pRc){
  char *zOut = sqlite3_malloc64(n+1);
  int i, j = 0;
  if( zOut==0 ){ *pRc = SQLITE_NOMEM; return 0; }
  for(i=0; i<n; i++){
    if( z[i]=='%' ){
      int h = i+2<n ? urlHex(z[i+1]) : -1, l = i+2<n ? urlHex(z[i+2]) : -1;
      if( h<0 || l<0 || (h|l)==0 ){
        sqlite3_free(zOut);
        *pRc = SQLITE_ERROR;
        return 0;
      }
      zOut[j++] = (char)(h*16+l);
      i += 2;
    }else{
      zOut[j++] = (bPlus && z[i]=='+') ? ' ' : z[i];
    }
  }
  zOut[j] = 0;
  return zOut;
}

/* Whether query key z[0..n) (%XX escapes decoded) names a secret. */
static int urlIsSecretKey(const char *z, int n){
  char zKey[32];
  int i, j = 0;
  for(i=0; i<n && j<(int)sizeof(zKey)-1; i++){
    if( z[i]=='%' && i+2<n ){
      int h = z[i+1], l = z[i+2];
      h = h>='a' ? h-'a'+10 : h>='A' ? h-'A'+10 : h-'0';
      l = l>='a' ? l-'a'+10 : l>='A' ? l-'A'+10 : l-'0';
      zKey[j++] = (char)(h*16+l);
      i += 2;
    }else{
      zKey[j++] = z[i];
    }
  }
  zKey[j] = 0;
  return sqlite3_stricmp(zKey, "password")==0 || sqlite3_stricmp(zKey, "passwd")==0
      || sqlite3_stricmp(zKey, "sslpassword")==0;
}

/* The URL with its passwords as ***: the part between ':' and the last '@' of the
** authority, and the value of a password= query option. */
static char *urlRedact(const char *zUrl){
  const char *zAuth = strstr(zUrl, "://");
  const char *zEnd, *zAt = 0, *zColon = 0, *z;
  sqlite3_str *pOut = sqlite3_str_new(0);
  if( zAuth==0 ){
    sqlite3_str_appendall(pOut, zUrl);
    return sqlite3_str_finish(pOut);
  }
  zAuth += 3;
  /* The last '@' of the whole URL ends the credentials: a password that holds an unescaped
  ** '/', '?' or '#' must not leak into a message about the URL being malformed. */
  zEnd = zAuth + strlen(zAuth);
  for(z=zAuth; z<zEnd; z++) if( *z=='@' ) zAt = z;
  for(z=zAuth; zAt && z<zAt; z++) if( *z==':' ){ zColon = z; break; }
  if( zColon ){
    sqlite3_str_appendf(pOut, "%.*s***", (int)(zColon+1-zUrl), zUrl);
    z = zAt;
  }else{
    z = zUrl;
  }
  for(;;){
    /* a password=... (or passwd=) query option */
    const char *q = strchr(z, '?');
    const char *zOpt = q;
    if( q==0 ) break;
    while( zOpt ){
      const char *zName = zOpt+1;
      int n = (int)strcspn(zName, "=&#");
      if( urlIsSecretKey(zName, n) ){
        if( zName[n]=='=' ){
          sqlite3_str_append(pOut, z, (int)(zName + n + 1 - z));
          sqlite3_str_appendall(pOut, "***");
          z = zName + n + 1 + strcspn(zName + n + 1, "&#");
        }
      }
      zOpt = strchr(zName, '&');
    }
    break;
  }
  sqlite3_str_appendall(pOut, z);
  return sqlite3_str_finish(pOut);
}

int sqlormRemoteUrlParse(const char *zUrl, OrmRemoteUrl **pp, char **pzErr){
  OrmRemoteUrl *p;
  const char *zScheme, *z, *zAuthEnd, *zAt = 0, *zHostStart, *zPort = 0;
  const char *zWhat = 0;
  int rc = SQLITE_OK, n;
  *pp = 0;
  p = sqlite3_malloc64(sizeof(*p));
  if( p==0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->zRedacted = urlRedact(zUrl);
  if( p->zRedacted==0 ){ sqlormRemoteUrlFree(p); return SQLITE_NOMEM; }
  zScheme = strstr(zUrl, "://");
  if( zScheme==0 || zScheme==zUrl ){
    zWhat = "it does not start with dialect:// (postgresql://, mysql://, sqlite:///...)";
    goto url_error;
  }
  /* dialect[+driver] */
  n = (int)(zScheme - zUrl);
  {
    const char *zPlus = memchr(zUrl, '+', n);
    int nDialect = zPlus ? (int)(zPlus - zUrl) : n;
    int i;
    for(i=0; i<n; i++){
      char c = zUrl[i];
      if( !((c>='a' && c<='z') || (c>='A' && c<='Z') || (c>='0' && c<='9') || c=='+'
            || c=='_') ){
        zWhat = "its dialect is not a word";
        goto url_error;
      }
    }
    p->zDialect = sqlite3_mprintf("%.*s", nDialect, zUrl);
    if( p->zDialect==0 ){ rc = SQLITE_NOMEM; goto url_fail; }
    for(i=0; p->zDialect[i]; i++){
      if( p->zDialect[i]>='A' && p->zDialect[i]<='Z' ) p->zDialect[i] += 'a'-'A';
    }
    if( zPlus ){
      if( n-nDialect-1<=0 ){ zWhat = "its driver after '+' is empty"; goto url_error; }
      p->zDriver = sqlite3_mprintf("%.*s", n-nDialect-1, zPlus+1);
      if( p->zDriver==0 ){ rc = SQLITE_NOMEM; goto url_fail; }
    }
  }
  if( strcmp(p->zDialect, "postgres")==0 || strcmp(p->zDialect, "pgsql")==0
   || strcmp(p->zDialect, "psql")==0 ){
    sqlite3_free(p->zDialect);
    p->zDialect = sqlite3_mprintf("postgresql");
  }else if( strcmp(p->zDialect, "mariadb")==0 ){
    sqlite3_free(p->zDialect);
    p->zDialect = sqlite3_mprintf("mysql");
  }
  if( p->zDialect==0 ){ rc = SQLITE_NOMEM; goto url_fail; }
  if( strcmp(p->zDialect, "postgresql")!=0 && strcmp(p->zDialect, "mysql")!=0
   && strcmp(p->zDialect, "sqlite")!=0 ){
    if( pzErr ){
      *pzErr = sqlite3_mprintf("unknown dialect \"%s\" in URL %s (known: postgresql, mysql, "
                               "mariadb, sqlite)", p->zDialect, p->zRedacted);
    }
    sqlormRemoteUrlFree(p);
    return SQLITE_ERROR;
  }
  z = zScheme + 3;
  if( strcmp(p->zDialect, "sqlite")==0 ){
    /* sqlite:///path: what follows the third slash is the path (a fourth: absolute). */
    const char *zQ;
    if( *z!='/' ){
      zWhat = "a sqlite URL has no host: write sqlite:///relative.db or sqlite:////abs.db";
      goto url_error;
    }
    z++;
    zQ = strchr(z, '?');
    n = zQ ? (int)(zQ - z) : (int)strlen(z);
    if( n==0 ){ zWhat = "it names no database file"; goto url_error; }
    p->zDatabase = urlDecode(z, n, 0, &rc);
    if( p->zDatabase==0 ) goto url_decode;
    z += n;
  }else{
    zAuthEnd = z + strcspn(z, "/?#");
    {
      const char *y;
      for(y=z; y<zAuthEnd; y++) if( *y=='@' ) zAt = y;
    }
    if( zAt ){
      const char *zColon = memchr(z, ':', zAt - z);
      int nUser = zColon ? (int)(zColon - z) : (int)(zAt - z);
      if( nUser>0 ){
        p->zUser = urlDecode(z, nUser, 0, &rc);
        if( p->zUser==0 ) goto url_decode;
      }
      if( zColon ){
        p->zPassword = urlDecode(zColon+1, (int)(zAt - zColon - 1), 0, &rc);
        if( p->zPassword==0 ) goto url_decode;
      }
      z = zAt+1;
    }
    zHostStart = z;
    if( *z=='[' ){
      const char *zClose = memchr(z, ']', zAuthEnd - z);
      if( zClose==0 ){ zWhat = "its [IPv6] host has no ']'"; goto url_error; }
      p->zHost = sqlite3_mprintf("%.*s", (int)(zClose - z - 1), z+1);
      if( p->zHost==0 ){ rc = SQLITE_NOMEM; goto url_fail; }
      z = zClose+1;
      if( z<zAuthEnd && *z!=':' ){ zWhat = "junk follows its [IPv6] host"; goto url_error; }
      if( z<zAuthEnd ) zPort = z+1;
    }else{
      const char *zColon = memchr(z, ':', zAuthEnd - z);
      int nHost = zColon ? (int)(zColon - z) : (int)(zAuthEnd - z);
      if( nHost>0 ){
        p->zHost = urlDecode(z, nHost, 0, &rc);
        if( p->zHost==0 ) goto url_decode;
      }
      if( zColon ) zPort = zColon+1;
    }
    (void)zHostStart;
    if( zPort ){
      long v = 0;
      const char *y;
      if( zPort==zAuthEnd ){ zWhat = "its port is empty"; goto url_error; }
      for(y=zPort; y<zAuthEnd; y++){
        if( *y<'0' || *y>'9' || v>65535 ){ zWhat = "its port is not a number from 1 to 65535";
                                           goto url_error; }
        v = v*10 + (*y-'0');
      }
      if( v<1 || v>65535 ){ zWhat = "its port is not a number from 1 to 65535"; goto url_error; }
      p->iPort = (int)v;
    }
    z = zAuthEnd;
    if( *z=='/' ){
      z++;
      n = (int)strcspn(z, "?#");
      if( n>0 ){
        p->zDatabase = urlDecode(z, n, 0, &rc);
        if( p->zDatabase==0 ) goto url_decode;
      }
      z += n;
    }
  }
  if( *z=='#' ){ zWhat = "it has a #fragment"; goto url_error; }
  if( *z=='?' ){
    z++;
    while( *z ){
      int nPair = (int)strcspn(z, "&");
      const char *zEq = memchr(z, '=', nPair);
      char *zK, *zV;
      if( nPair==0 ){ z++; continue; }
      if( zEq==0 || zEq==z ){ zWhat = "a query parameter is not key=value"; goto url_error; }
      zK = urlDecode(z, (int)(zEq - z), 1, &rc);
      if( zK==0 ) goto url_decode;
      zV = urlDecode(zEq+1, (int)(z + nPair - zEq - 1), 1, &rc);
      if( zV==0 ){ sqlite3_free(zK); goto url_decode; }
      rc = sqlormNamesAdd(&p->optKey, zK);
      if( rc==SQLITE_OK ) rc = sqlormNamesAdd(&p->optVal, zV);
      sqlite3_free(zK);
      if( zV ){ memset(zV, 0, strlen(zV)); sqlite3_free(zV); }
      if( rc!=SQLITE_OK ) goto url_fail;
      z += nPair;
      if( *z=='&' ) z++;
    }
  }
  *pp = p;
  return SQLITE_OK;

url_decode:
  if( rc==SQLITE_NOMEM ) goto url_fail;
  zWhat = "it has a bad %XX escape";
url_error:
  if( pzErr ) *pzErr = sqlite3_mprintf("malformed URL %s: %s", p->zRedacted, zWhat);
  rc = SQLITE_ERROR;
url_fail:
  sqlormRemoteUrlFree(p);
  return rc;
}
