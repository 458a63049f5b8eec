// Call journals (fixtures/journal.h): the exact recorded text, replays that
// agree (including long random call sequences, with times and inode
// numbers compared), replays that diverge and how they are reported, stdin
// replay, and malformed or hostile journals.
#include "fixtures/journal.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "catch2/catch.hpp"
#include "serialize/fork.h"
#include "tests/support/sandbox.h"
#include "tests/support/tree_builder.h"
#include "vfs/clock.h"

namespace vfs::testing {
namespace {

// A Filesystem on a DeterministicClock built from `spec`.
std::shared_ptr<Filesystem> MakeFs(std::string_view spec) {
  FilesystemOptions options;
  options.clock = std::make_shared<DeterministicClock>();
  auto fs = std::make_shared<Filesystem>(options);
  REQUIRE(BuildTree(*fs, spec).ok());
  return fs;
}

std::shared_ptr<Filesystem> ForkOf(Filesystem& fs) {
  absl::StatusOr<LiveState> fork = Fork(fs);
  REQUIRE(fork.ok());
  return fork->fs;
}

// A Context over `fs` recorded into `lines`, with `dir` preopened at fd 3.
struct Recording {
  Recording(std::shared_ptr<Filesystem> fs, std::string_view dir = "")
      : ctx(std::move(fs)),
        journal(ctx, [this](std::string_view line) { lines.emplace_back(line); }) {
    absl::StatusOr<fd_t> fd = journal.Preopen(dir, "/");
    REQUIRE(fd.ok());
    REQUIRE(*fd == 3);
  }
  std::string Text() const {
    std::string out;
    for (const std::string& l : lines) out += l + "\n";
    return out;
  }
  Context ctx;
  std::vector<std::string> lines;
  JournalingContext journal;
};

TEST_CASE("journal: each call is one stable line with arguments, result and bytes",
          "[journal]") {
  auto fs = MakeFs("a.txt = hello\n");
  Recording rec(fs);
  const fd_t fd = ValueOrDefault(Open(rec.journal, 3, "a.txt", Oflags(), rights::kFdRead));
  CHECK(fd == 0);  // a new Context's lowest free descriptor
  CHECK(ValueOrDefault(ReadSome(rec.journal, fd, 16)) == "hello");
  CHECK_ERRNO(rec.journal.fd_close(fd), Errno::kSuccess);
  CHECK_ERRNO(rec.journal.path_unlink_file(3, "missing"), Errno::kNoent);
  const fd_t out = ValueOrDefault(Open(rec.journal, 3, "bin", oflags::kCreat));
  const std::string binary("\x00\xff\x01", 3);
  CHECK(ValueOrDefault(Write(rec.journal, out, binary)) == 3);
  CHECK(rec.journal.calls() == 6);

  REQUIRE(rec.lines.size() == 8);
  CHECK(rec.lines[0] == R"({"format":"vfs-journal","version":1})");
  CHECK(rec.lines[1] == absl::StrCat(R"({"setup":"preopen","fd":3,"path":"","name":"/","base":)",
                                     rights::kDirectoryBase.bits(), R"(,"inheriting":)",
                                     rights::kDirectoryInheriting.bits(), "}"));
  CHECK(rec.lines[2] ==
        R"({"seq":1,"call":"path_open","args":{"fd":3,"dirflags":1,"path":"a.txt",)"
        R"("oflags":0,"fs_rights_base":2,"fs_rights_inheriting":)" +
            std::to_string(rights::kAll.bits()) +
            R"(,"fdflags":0},"result":{"errno":"success","fd":0}})");
  CHECK(rec.lines[3] ==
        R"({"seq":2,"call":"fd_read","args":{"fd":0,"iovs":[16]},)"
        R"("result":{"errno":"success","size":5,"data":"hello"}})");
  CHECK(rec.lines[4] == R"({"seq":3,"call":"fd_close","args":{"fd":0},"result":{"errno":"success"}})");
  CHECK(rec.lines[5] ==
        R"({"seq":4,"call":"path_unlink_file","args":{"fd":3,"path":"missing"},)"
        R"("result":{"errno":"noent"}})");
  // Bytes that are not UTF-8 are base64; a NUL alone would still be a string.
  CHECK(rec.lines[7] ==
        R"({"seq":6,"call":"fd_write","args":{"fd":0,"iovs":[3],"data":{"base64":"AP8B"}},)"
        R"("result":{"errno":"success","size":3}})");
}

TEST_CASE("journal: replay on the starting tree agrees and rebuilds the same tree",
          "[journal]") {
  auto fs = MakeFs("a.txt = hello\nd/\nd/b = bee\nl -> a.txt\n");
  auto start = ForkOf(*fs);
  Recording rec(fs);
  auto& j = rec.journal;
  const fd_t f = ValueOrDefault(Open(j, 3, "new.txt", oflags::kCreat));
  CHECK(ValueOrDefault(Write(j, f, "one two")) == 7);
  CHECK(ValueOrDefault(j.fd_seek(f, 4, Whence::kSet)) == 4);
  CHECK(ValueOrDefault(ReadSome(j, f, 10)) == "two");
  CHECK(j.fd_filestat_get(f).ok());
  CHECK(ValueOrDefault(ListDir(j, 3, 64)).size() == 6);  // with . and ..
  REQUIRE_OK(j.path_rename(3, "d/b", 3, "moved"));
  REQUIRE_OK(j.path_symlink("moved", 3, "l2"));
  std::vector<uint8_t> buf(16);
  CHECK(ValueOrDefault(j.path_readlink(3, "l2", absl::MakeSpan(buf))) == 5);
  REQUIRE_OK(j.path_create_directory(3, "e"));
  REQUIRE_OK(j.fd_filestat_set_size(f, 3));
  CHECK(j.path_filestat_get(3, kFollow, "l").ok());
  REQUIRE_OK(j.fd_close(f));

  ReplayOptions options;
  options.compare_times = true;  // a fork has the same deterministic clock
  options.compare_inodes = true;
  absl::StatusOr<ReplayReport> report = ReplayJournal(rec.Text(), start, options);
  REQUIRE(report.ok());
  INFO(report->Format());
  CHECK_FALSE(report->diverged);
  CHECK(report->setups == 1);
  CHECK(report->calls == j.calls());
  // The replay made the same changes as the recording.
  absl::StatusOr<std::vector<Change>> same = DiffTrees(*fs, "", *start, "", {});
  REQUIRE(same.ok());
  CHECK(FormatDiff(*same).empty());
  CHECK_FALSE(report->changes.empty());
  CHECK(report->Format().rfind(
            absl::StrCat("replayed ", j.calls(), " calls: no divergence\n"), 0) == 0);
}

TEST_CASE("journal: a divergence names the call, both results and the tree diff",
          "[journal]") {
  auto fs = MakeFs("a.txt = hello\n");
  Recording rec(fs);
  auto& j = rec.journal;
  const fd_t out = ValueOrDefault(Open(j, 3, "out", oflags::kCreat));
  CHECK(ValueOrDefault(Write(j, out, "x")) == 1);
  const fd_t f = ValueOrDefault(Open(j, 3, "a.txt"));
  CHECK(ValueOrDefault(ReadSome(j, f, 16)) == "hello");
  CHECK(ValueOrDefault(Write(j, out, "y")) == 1);

  // The same journal on a tree whose a.txt differs.
  auto other = MakeFs("a.txt = HELLO!\n");
  absl::StatusOr<ReplayReport> report = ReplayJournal(rec.Text(), other);
  REQUIRE(report.ok());
  CHECK(report->diverged);
  CHECK(report->seq == 4);
  CHECK(report->calls == 4);
  CHECK(report->call == R"(fd_read {"fd":1,"iovs":[16]})");
  CHECK(report->expected == R"({"errno":"success","size":5,"data":"hello"})");
  CHECK(report->actual == R"({"errno":"success","size":6,"data":"HELLO!"})");
  // It stopped there: the second write to out never ran.
  CHECK(report->Format() ==
        "diverged at call 4 (4 replayed): fd_read {\"fd\":1,\"iovs\":[16]}\n"
        "  expected: {\"errno\":\"success\",\"size\":5,\"data\":\"hello\"}\n"
        "  actual:   {\"errno\":\"success\",\"size\":6,\"data\":\"HELLO!\"}\n"
        "tree, from the fixture to the replayed state:\n"
        "+ out (file, 1 byte)\n");

  // A missing file diverges at the open, with the errno.
  auto empty = MakeFs("");
  report = ReplayJournal(rec.Text(), empty);
  REQUIRE(report.ok());
  CHECK(report->seq == 3);
  CHECK(report->expected == R"({"errno":"success","fd":1})");
  CHECK(report->actual == R"({"errno":"noent"})");
}

TEST_CASE("journal: times and inode numbers are masked unless asked for", "[journal]") {
  auto fs = MakeFs("w/a.txt = hello\n");
  Recording rec(fs, "w");
  CHECK(rec.journal.path_filestat_get(3, kFollow, "a.txt").ok());
  CHECK(ValueOrDefault(ListDir(rec.journal, 3)).size() == 3);

  // The same preopened tree, after an extra directory outside it: other
  // inode numbers, and a clock that started elsewhere.
  FilesystemOptions options;
  options.clock = std::make_shared<DeterministicClock>(5, 3);
  auto other = std::make_shared<Filesystem>(options);
  REQUIRE(BuildTree(*other, "z/\nw/a.txt = hello\n").ok());

  absl::StatusOr<ReplayReport> masked = ReplayJournal(rec.Text(), ForkOf(*other));
  REQUIRE(masked.ok());
  CHECK_FALSE(masked->diverged);

  ReplayOptions strict;
  strict.compare_inodes = true;
  absl::StatusOr<ReplayReport> by_ino = ReplayJournal(rec.Text(), ForkOf(*other), strict);
  REQUIRE(by_ino.ok());
  CHECK(by_ino->diverged);
  CHECK(by_ino->seq == 1);

  strict.compare_inodes = false;
  strict.compare_times = true;
  absl::StatusOr<ReplayReport> by_time = ReplayJournal(rec.Text(), ForkOf(*other), strict);
  REQUIRE(by_time.ok());
  CHECK(by_time->diverged);
  CHECK(by_time->seq == 1);
  CHECK(by_time->expected.find("\"atim\":") != std::string::npos);
}

TEST_CASE("journal: stream reads replay the recorded input, outputs are discarded",
          "[journal]") {
  auto fs = MakeFs("");
  Recording rec(fs);
  REQUIRE(rec.journal.AttachStream(0, StreamEnd::kRead).ok());
  REQUIRE(rec.journal.AttachStream(1, StreamEnd::kWrite,
                                   [](absl::Span<const uint8_t>) { return Errno::kSuccess; })
              .ok());
  REQUIRE(rec.ctx.StreamFeed(0, "line one\n").ok());
  CHECK(ValueOrDefault(ReadSome(rec.journal, 0, 5)) == "line ");
  CHECK(ValueOrDefault(ReadSome(rec.journal, 0, 64)) == "one\n");
  CHECK(ReadSome(rec.journal, 0, 64).error() == Errno::kAgain);
  REQUIRE(rec.ctx.StreamCloseInput(0).ok());
  CHECK(ValueOrDefault(ReadSome(rec.journal, 0, 64)).empty());
  CHECK(ValueOrDefault(Write(rec.journal, 1, "out")) == 3);
  const fd_t f = ValueOrDefault(Open(rec.journal, 3, "copy", oflags::kCreat));
  CHECK(ValueOrDefault(Write(rec.journal, f, "line one\n")) == 9);

  auto start = MakeFs("");
  absl::StatusOr<ReplayReport> report = ReplayJournal(rec.Text(), start);
  REQUIRE(report.ok());
  INFO(report->Format());
  CHECK_FALSE(report->diverged);
  CHECK(report->setups == 3);
  CHECK(report->calls == 7);
}

// Random calls over a small name pool, recorded, then replayed on a fork of
// the start: every result agrees, with times and inode numbers compared,
// and both trees end the same.
TEST_CASE("journal: random call sequences replay exactly", "[journal]") {
  const char* names[] = {"a", "b", "d", "d/x", "d/y", "l", "e/f"};
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    auto fs = MakeFs("a = 0123456789\nd/\nd/x = xx\nl -> a\n");
    auto start = ForkOf(*fs);
    Recording rec(fs);
    auto& j = rec.journal;
    std::mt19937 rng(seed);
    auto pick = [&] { return std::string(names[rng() % 7]); };
    std::vector<fd_t> fds;
    for (int step = 0; step < 150; ++step) {
      const fd_t any_fd = fds.empty() ? 3 : fds[rng() % fds.size()];
      switch (rng() % 12) {
        case 0: {
          Result<fd_t> r = Open(j, 3, pick(), Oflags(static_cast<uint16_t>(rng() % 16)));
          if (r.ok()) fds.push_back(*r);
          break;
        }
        case 1: (void)Write(j, any_fd, std::string(rng() % 300, 'w')); break;
        case 2: (void)ReadSome(j, any_fd, rng() % 64); break;
        case 3: (void)j.fd_seek(any_fd, static_cast<int64_t>(rng() % 40) - 10,
                                static_cast<Whence>(rng() % 3)); break;
        case 4: (void)ListDir(j, rng() % 2 ? 3 : any_fd, 24 + rng() % 80); break;
        case 5: (void)j.path_filestat_get(3, Lookupflags(rng() % 2), pick()); break;
        case 6: (void)j.path_create_directory(3, pick()); break;
        case 7: (void)j.path_unlink_file(3, pick()); break;
        case 8: (void)j.path_rename(3, pick(), 3, pick()); break;
        case 9: (void)j.path_symlink(pick(), 3, pick()); break;
        case 10: (void)j.fd_filestat_set_size(any_fd, rng() % 100); break;
        case 11:
          if (!fds.empty()) {
            (void)j.fd_close(fds.back());
            fds.pop_back();
          }
          break;
      }
    }
    ReplayOptions options;
    options.compare_times = true;
    options.compare_inodes = true;
    absl::StatusOr<ReplayReport> report = ReplayJournal(rec.Text(), start, options);
    REQUIRE(report.ok());
    INFO("seed " << seed << "\n" << report->Format());
    CHECK_FALSE(report->diverged);
    CHECK(report->calls == j.calls());
    absl::StatusOr<std::vector<Change>> diff = DiffTrees(*fs, "", *start, "", {});
    REQUIRE(diff.ok());
    CHECK(FormatDiff(*diff).empty());
  }
}

TEST_CASE("journal: malformed and hostile journals are refused by line", "[journal]") {
  const std::string head = "{\"format\":\"vfs-journal\",\"version\":1}\n";
  const std::string preopen =
      "{\"setup\":\"preopen\",\"fd\":3,\"path\":\"\",\"name\":\"/\",\"base\":" +
      std::to_string(rights::kDirectoryBase.bits()) +
      ",\"inheriting\":" + std::to_string(rights::kDirectoryInheriting.bits()) + "}\n";
  struct Case {
    std::string journal;
    absl::StatusCode code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"", absl::StatusCode::kInvalidArgument, "empty journal"},
      {"{\"format\":\"tar\"}\n", absl::StatusCode::kInvalidArgument, "line 1: not a vfs journal"},
      {"{\"format\":\"vfs-journal\",\"version\":2}\n", absl::StatusCode::kInvalidArgument,
       "unsupported journal version"},
      {head + "{nope\n", absl::StatusCode::kInvalidArgument, "line 2: not JSON"},
      {head + "[1]\n", absl::StatusCode::kInvalidArgument, "line 2: not a JSON object"},
      {head + "{\"x\":1}\n", absl::StatusCode::kInvalidArgument, "neither a call nor a set-up"},
      {head + "{\"call\":\"fd_close\"}\n", absl::StatusCode::kInvalidArgument,
       "fd_close: a call needs 'args' and 'result'"},
      {head + "{\"call\":\"fd_close\",\"args\":{},\"result\":{}}\n",
       absl::StatusCode::kInvalidArgument, "fd_close: missing 'fd'"},
      {head + "{\"call\":\"fd_close\",\"args\":{\"fd\":-1},\"result\":{}}\n",
       absl::StatusCode::kInvalidArgument, "'fd' must be an integer from 0 to 4294967295"},
      {head + "{\"call\":\"proc_exit\",\"args\":{},\"result\":{}}\n",
       absl::StatusCode::kInvalidArgument, "unknown call 'proc_exit'"},
      {head + "{\"call\":\"fd_read\",\"args\":{\"fd\":3,\"iovs\":[4294967296]},"
              "\"result\":{\"errno\":\"badf\"}}\n",
       absl::StatusCode::kInvalidArgument, "'iovs' lengths must total at most 67108864 bytes"},
      {head + "{\"call\":\"fd_readdir\",\"args\":{\"fd\":3,\"buf_len\":1099511627776,"
              "\"cookie\":0},\"result\":{}}\n",
       absl::StatusCode::kInvalidArgument, "'buf_len' must be an integer from 0 to 67108864"},
      {head + "{\"call\":\"fd_write\",\"args\":{\"fd\":3,\"iovs\":[5],\"data\":\"abc\"},"
              "\"result\":{}}\n",
       absl::StatusCode::kInvalidArgument, "'iovs' lengths do not add up to 'data'"},
      {head + "{\"call\":\"path_unlink_file\",\"args\":{\"fd\":3,\"path\":{\"base64\":\"!!\"}},"
              "\"result\":{}}\n",
       absl::StatusCode::kInvalidArgument, "'path' must be a string or {\"base64\": ...}"},
      {head + "{\"setup\":\"preopen\",\"fd\":3,\"path\":\"nowhere\",\"name\":\"/\",\"base\":0,"
              "\"inheriting\":0}\n",
       absl::StatusCode::kFailedPrecondition, "line 2: set-up:"},
      {head + preopen + "{\"setup\":\"preopen\",\"fd\":9,\"path\":\"\",\"name\":\"/\",\"base\":0,"
                        "\"inheriting\":0}\n",
       absl::StatusCode::kFailedPrecondition, "preopen landed on fd 4, recorded 9"},
      {head + "{\"setup\":\"stream\",\"fd\":0,\"ends\":\"sideways\"}\n",
       absl::StatusCode::kFailedPrecondition, "'ends' must be read, write or both"},
      {head + std::string(200000, '[') + "\n", absl::StatusCode::kInvalidArgument,
       "line 2: not JSON"},
  };
  for (const Case& c : cases) {
    INFO(c.journal.substr(0, 200));
    absl::StatusOr<ReplayReport> r = ReplayJournal(c.journal, MakeFs(""));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == c.code);
    CHECK_THAT(std::string(r.status().message()), Catch::Matchers::Contains(c.message));
  }

  // A line longer than the limit is refused before it is held whole.
  ReplayOptions small;
  small.max_line_bytes = 64;
  absl::StatusOr<ReplayReport> r =
      ReplayJournal(head + std::string(1000, ' ') + "\n", MakeFs(""), small);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(std::string(r.status().message()),
             Catch::Matchers::Contains("line 2: longer than 64 bytes"));
}

TEST_CASE("journal: JournalFile writes lines and reports a file it cannot create",
          "[journal]") {
  char dir_template[] = "/tmp/vfs_journal_XXXXXX";
  REQUIRE(mkdtemp(dir_template) != nullptr);
  const std::string path = std::string(dir_template) + "/j.jsonl";
  {
    absl::StatusOr<std::unique_ptr<JournalFile>> file = JournalFile::Create(path);
    REQUIRE(file.ok());
    auto fs = MakeFs("a = x\n");
    Context ctx(fs);
    JournalingContext j(ctx, (*file)->sink());
    REQUIRE(j.Preopen("", "/").ok());
    CHECK(j.path_filestat_get(3, kFollow, "a").ok());
    REQUIRE((*file)->Finish().ok());
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  REQUIRE(f != nullptr);
  std::string text(4096, '\0');
  text.resize(std::fread(text.data(), 1, text.size(), f));
  std::fclose(f);
  const std::vector<std::string> lines = absl::StrSplit(text, '\n');
  REQUIRE(lines.size() == 4);  // format, preopen, one call, and the final ""
  CHECK(lines[2].rfind(R"({"seq":1,"call":"path_filestat_get")", 0) == 0);
  CHECK(lines[3].empty());
  std::remove(path.c_str());
  rmdir(dir_template);

  absl::StatusOr<std::unique_ptr<JournalFile>> bad =
      JournalFile::Create("/nonexistent-dir/j.jsonl");
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(std::string(bad.status().message()),
             Catch::Matchers::Contains("cannot create journal /nonexistent-dir/j.jsonl"));
}

}  // namespace
}  // namespace vfs::testing
