// temp_name.h: the writer's temporary names, and telling them from every
// other name in a directory. A name the writer makes is recognized as its
// destination's, on this kernel; near misses are not.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <string>

#include "container/temp_name.h"
#include "test_files.h"

using namespace bbsnap;

TEST_CASE("a temporary name is recognized as its destination's, and only as its", "[temp_name]") {
  const std::string host = bbsnap::testing::boot_id_hex();
  for (const std::string& dir : {std::string(), std::string("d/"), std::string("/a/b/")}) {
    for (const std::string& name : {std::string("s.bbsnap"), std::string(192, 'n'), std::string(250, 'n') + ".bin"}) {
      INFO("'" << dir << "' + " << name.size() << "-byte name");
      const std::string path = dir + name;
      const std::string temp = temp_path_for(path, 15);
      REQUIRE(temp.rfind(dir, 0) == 0);
      const std::string temp_name = temp.substr(dir.size());
      CHECK(temp_name.size() <= 255);
      CHECK(temp_name.find(".tmp." + host + "." + std::to_string(::getpid()) + ".") != std::string::npos);
      CHECK(temp_name.ends_with(".15"));
      CHECK(is_temp_name_of_this_kernel(path, temp_name));
      CHECK(temp_path_for(path, 15) != temp);  // a fresh one each time
      // Near misses.
      CHECK_FALSE(is_temp_name_of_this_kernel(path, temp_name + "0x"));
      CHECK_FALSE(is_temp_name_of_this_kernel(path, temp_name + ".0"));
      CHECK_FALSE(is_temp_name_of_this_kernel(path, temp_name.substr(0, temp_name.size() - 3)));
      // Another destination's, unless the two names agree in their first 192 bytes.
      CHECK(is_temp_name_of_this_kernel(path + "x", temp_name) == (name.size() >= 192));
      CHECK_FALSE(is_temp_name_of_this_kernel(path, name));
    }
  }
  // The destination's name cut to 192 bytes: names alike in those share their temporaries' prefix.
  const std::string long_name(300, 'n');
  CHECK(temp_path_for(long_name, 0).rfind(std::string(192, 'n') + ".tmp.", 0) == 0);
}

TEST_CASE("the directory of a destination holds its temporaries", "[temp_name]") {
  CHECK(directory_of("s.bbsnap") == ".");
  CHECK(directory_of("d/s.bbsnap") == "d");
  CHECK(directory_of("/s.bbsnap") == "/");
  CHECK(directory_of("/a/b/s.bbsnap") == "/a/b");
}
