/*
** version_test.c: no lost update under concurrency. Several processes (fork) share one WAL
** database with a busy timeout; each makes read-modify-write increments of a counter on a
** few hot rows of a versioned table, in the form the README recommends (read n and the
** version, then UPDATE SET n = n_read + 1, version = version_read + 1), retrying when the
** UPDATE is stale. At the end every row's counter equals the increments that succeeded on
** it, and every failure seen was a stale or busy error. The workers are plain SQLite
** hosts, without the module: the triggers alone hold them. Bounded to a few seconds.
**
** SQLORM_MODULE names the module (set by `make check`).
*/
#include "testutil.h"
#include <sys/wait.h>
#include <time.h>

#define N_WORKERS 4
#define N_ROWS 3
#define N_INCREMENTS 150          /* successes each worker aims for */
#define DEADLINE_SECONDS 8.0      /* a worker stops early rather than run on */

/* What a worker reports through its pipe. */
typedef struct WorkerResult WorkerResult;
struct WorkerResult {
  int aSuccess[N_ROWS];
  int nStale, nBusy, nOther;
  char zOther[200];       /* the first unexpected error */
};

static double nowSeconds(void){
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec*1e-9;
}

/* One worker's loop; the result goes to *pRes. */
static void workerRun(const char *zPath, int iWorker, int fdGo, WorkerResult *pRes){
  sqlite3 *db = 0;
  sqlite3_stmt *pRead = 0, *pWrite = 0;
  unsigned int seed = (unsigned int)(iWorker*7919 + 17);
  double tEnd = nowSeconds() + DEADLINE_SECONDS;
  int nDone = 0;
  char c;
  memset(pRes, 0, sizeof(*pRes));
  /* Every worker starts at once: the parent closes the gate's write end. */
  if( read(fdGo, &c, 1)<0 ) pRes->nOther++;
  if( sqlite3_open(zPath, &db)!=SQLITE_OK
   || sqlite3_busy_timeout(db, 5000)!=SQLITE_OK
   || sqlite3_prepare_v2(db, "SELECT n, version FROM hot WHERE id = ?1", -1, &pRead, 0)
   || sqlite3_prepare_v2(db, "UPDATE hot SET n = ?2 + 1, version = ?3 + 1 WHERE id = ?1",
                         -1, &pWrite, 0) ){
    pRes->nOther++;
    snprintf(pRes->zOther, sizeof(pRes->zOther), "open: %s", sqlite3_errmsg(db));
  }
  while( pRes->nOther==0 && nDone<N_INCREMENTS && nowSeconds()<tEnd ){
    int iRow = rand_r(&seed) % N_ROWS, rc;
    sqlite3_int64 n, v;
    sqlite3_bind_int(pRead, 1, iRow+1);
    rc = sqlite3_step(pRead);
    if( rc!=SQLITE_ROW ){
      sqlite3_reset(pRead);
      if( rc==SQLITE_BUSY ){ pRes->nBusy++; continue; }
      pRes->nOther++;
      snprintf(pRes->zOther, sizeof(pRes->zOther), "read: %s", sqlite3_errmsg(db));
      break;
    }
    n = sqlite3_column_int64(pRead, 0);
    v = sqlite3_column_int64(pRead, 1);
    sqlite3_reset(pRead);
    /* Some time between the read and the write, as an application takes, so that the
    ** writers overlap. */
    if( rand_r(&seed) % 2 ) usleep(rand_r(&seed) % 300);
    sqlite3_bind_int(pWrite, 1, iRow+1);
    sqlite3_bind_int64(pWrite, 2, n);
    sqlite3_bind_int64(pWrite, 3, v);
    rc = sqlite3_step(pWrite);
    if( rc==SQLITE_DONE && sqlite3_changes(db)==1 ){
      pRes->aSuccess[iRow]++;
      nDone++;
    }else if( rc!=SQLITE_DONE && strstr(sqlite3_errmsg(db), "stale data")!=0 ){
      pRes->nStale++;
    }else if( (rc&0xff)==SQLITE_BUSY ){
      pRes->nBusy++;
    }else{
      pRes->nOther++;
      snprintf(pRes->zOther, sizeof(pRes->zOther), "write: rc=%d %s", rc, sqlite3_errmsg(db));
    }
    sqlite3_reset(pWrite);
  }
  sqlite3_finalize(pRead);
  sqlite3_finalize(pWrite);
  sqlite3_close(db);
}

static void test_no_lost_update(void **state){
  TestDb *t = *state;
  char *zErr = 0;
  const char *zModule = getenv("SQLORM_MODULE");
  pid_t aPid[N_WORKERS];
  int aFd[N_WORKERS], aGo[2];
  int i, k, aTotal[N_ROWS] = {0}, nStale = 0, nBusy = 0, nOther = 0;
  assert_non_null(zModule);
  sqlite3_db_config(t->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, (int*)0);
  if( sqlite3_load_extension(t->db, zModule, 0, &zErr)!=SQLITE_OK ){
    fprintf(stderr, "load: %s\n", zErr);
  }
  sqlite3_free(zErr);
  testExec(t->db, "PRAGMA journal_mode = WAL;"
      "CREATE TABLE hot(id INTEGER PRIMARY KEY, n INTEGER NOT NULL, version INTEGER);"
      "INSERT INTO hot(id, n) VALUES (1, 0), (2, 0), (3, 0);"
      "SELECT orm_model('hot', '{\"version\":true}');");
  assert_int_equal(testQueryInt(t->db, "SELECT sum(version) FROM hot"), N_ROWS);
  /* The workers open their own connections; this one stays out of their way. */
  assert_int_equal(sqlite3_close(t->db), SQLITE_OK);
  t->db = 0;
  assert_int_equal(pipe(aGo), 0);
  for(i=0; i<N_WORKERS; i++){
    int aPipe[2];
    assert_int_equal(pipe(aPipe), 0);
    fflush(stdout);
    fflush(stderr);
    aPid[i] = fork();
    assert_true(aPid[i]>=0);
    if( aPid[i]==0 ){
      WorkerResult res;
      ssize_t nWritten;
      close(aPipe[0]);
      close(aGo[1]);
      workerRun(t->zPath, i, aGo[0], &res);
      nWritten = write(aPipe[1], &res, sizeof(res));
      close(aPipe[1]);
      _exit(nWritten==(ssize_t)sizeof(res) ? 0 : 1);
    }
    close(aPipe[1]);
    aFd[i] = aPipe[0];
  }
  close(aGo[0]);
  close(aGo[1]);      /* go */
  for(i=0; i<N_WORKERS; i++){
    WorkerResult res;
    int status = 0;
    ssize_t nRead = read(aFd[i], &res, sizeof(res));
    close(aFd[i]);
    assert_int_equal(waitpid(aPid[i], &status, 0), aPid[i]);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status)==0);
    assert_int_equal(nRead, (ssize_t)sizeof(res));
    if( res.nOther ) fprintf(stderr, "worker %d: %s\n", i, res.zOther);
    for(k=0; k<N_ROWS; k++) aTotal[k] += res.aSuccess[k];
    nStale += res.nStale;
    nBusy += res.nBusy;
    nOther += res.nOther;
  }
  assert_int_equal(sqlite3_open(t->zPath, &t->db), SQLITE_OK);
  for(k=0; k<N_ROWS; k++){
    char zSql[100];
    snprintf(zSql, sizeof(zSql), "SELECT n FROM hot WHERE id = %d", k+1);
    /* No lost update: the counter is every increment that succeeded, and the version
    ** moved once for each. */
    assert_int_equal(testQueryInt(t->db, zSql), aTotal[k]);
    snprintf(zSql, sizeof(zSql), "SELECT version - n FROM hot WHERE id = %d", k+1);
    assert_int_equal(testQueryInt(t->db, zSql), 1);
  }
  printf("# %d increments, %d stale retries, %d busy\n",
         aTotal[0] + aTotal[1] + aTotal[2], nStale, nBusy);
  assert_int_equal(nOther, 0);
  assert_true(aTotal[0] + aTotal[1] + aTotal[2] > 0);
}

int main(void){
  static const struct CMUnitTest aTest[] = {
    cmocka_unit_test_setup_teardown(test_no_lost_update, testSetup, testTeardown),
  };
  return cmocka_run_group_tests_name("version", aTest, 0, 0);
}
