/*
** bench.h: what the benchmark programs share. Each program times a workload done through
** sqlorm against the same work written by hand, alternating the two for several rounds and
** keeping each one's best time, then prints the ratio; where Debian's python3-sqlalchemy is
** installed it also times tests/bench/sqlalchemy_bench.py WORKLOAD in the same run.
**
**   double t = benchBest(xWork, pArg, nRounds)   -- best of nRounds, in seconds
**   benchReport("open+load", tOrm, tHand, benchSqlalchemy("open", zDb));
**
** Environment (set by make bench): SQLORM_MODULE, SQLORM_SRCDIR, SYSTEM_PYTHON3.
*/
#ifndef SQLORM_BENCH_H
#define SQLORM_BENCH_H

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double benchNow(void){
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec*1e-9;
}

/* Times two workloads alternately (so drift hits both) and keeps the best of each. */
static void benchPair(void (*xA)(void*), void (*xB)(void*), void *pArg, int nRounds,
                      double *ptA, double *ptB){
  int i;
  *ptA = *ptB = 1e30;
  for(i=0; i<nRounds; i++){
    double t0 = benchNow(), t;
    xA(pArg);
    t = benchNow() - t0;
    if( t<*ptA ) *ptA = t;
    t0 = benchNow();
    xB(pArg);
    t = benchNow() - t0;
    if( t<*ptB ) *ptB = t;
  }
}

/* Seconds SQLAlchemy takes for the same workload, or a negative number when Debian's
** python3-sqlalchemy is not installed. */
static double benchSqlalchemy(const char *zWorkload, const char *zDb){
  const char *zPy = getenv("SYSTEM_PYTHON3");
  const char *zSrc = getenv("SQLORM_SRCDIR");
  char zCmd[2048];
  double t = -1;
  FILE *p;
  if( zPy==0 ) zPy = "/usr/bin/python3";
  if( zSrc==0 ) zSrc = ".";
  snprintf(zCmd, sizeof(zCmd), "'%s' '%s/tests/bench/sqlalchemy_bench.py' '%s' '%s' 2>/dev/null",
           zPy, zSrc, zWorkload, zDb);
  p = popen(zCmd, "r");
  if( p==0 ) return -1;
  if( fscanf(p, "%lf", &t)!=1 ) t = -1;
  if( pclose(p)!=0 ) t = -1;
  return t;
}

/* For benchReport: the workload has no SQLAlchemy counterpart worth timing. */
#define BENCH_NO_SQLALCHEMY (-2.0)

static void benchReport(const char *zName, double tOrm, double tHand, double tAlchemy){
  printf("%-40s sqlorm %9.3f ms | hand-written %9.3f ms | ratio %5.2f", zName,
         tOrm*1e3, tHand*1e3, tOrm/tHand);
  if( tAlchemy>=0 ){
    printf(" | SQLAlchemy %9.3f ms | SQLAlchemy/sqlorm %6.1f", tAlchemy*1e3, tAlchemy/tOrm);
  }else if( tAlchemy==BENCH_NO_SQLALCHEMY ){
    printf(" | SQLAlchemy: -");
  }else{
    printf(" | SQLAlchemy: not installed");
  }
  printf("\n");
  fflush(stdout);
}

static void benchCheck(int rc, sqlite3 *db, const char *zWhat){
  if( rc!=SQLITE_OK && rc!=SQLITE_ROW && rc!=SQLITE_DONE ){
    fprintf(stderr, "bench: %s: %s\n", zWhat, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    exit(1);
  }
}

#endif /* SQLORM_BENCH_H */
