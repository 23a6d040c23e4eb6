#include <gtest/gtest.h>
#include "gateway/config_load.h"
TEST(ConfigLoad, Smoke) { EXPECT_TRUE(hearth::gateway::ParseConfig("", "c.yaml").ok()); }
