class AddDeletedAt < ActiveRecord::Migration[6.1]
  def change
    add_column :authors, :deleted_at, :timestamptz
  end
end
